// Rooms: made, listed, read, changed and deleted. A room's participant
// count and open session come from the live presence hub.

import { rm } from "node:fs/promises";
import { asc, eq } from "drizzle-orm";
import type { Herald } from "../../context";
import { files, participants, rooms, sessions, storeEntries, users } from "../../db/schema";
import { conflict } from "../../http/errors";
import { after, decodeCursor, newestFirst, type Page, toPage } from "../../http/pagination";
import { newId, nowIso } from "../../ids";
import { log } from "../../log";
import { presenceOf } from "../../presence";
import { roomFilesDir } from "../files/paths";
import { deletingRoom } from "../files/room-lock";
import { fromRow, toUser } from "../users/model";
import { metadataText, type Room } from "./model";
import { findRoom, requireRoom, type RoomRow } from "./queries";

export interface RoomInput {
  id?: string;
  name?: string | null;
  metadata?: Record<string, unknown>;
}

function present(herald: Herald, row: RoomRow): Room {
  const hub = presenceOf(herald);

  return {
    id: row.id,
    name: row.name,
    metadata: JSON.parse(row.metadata),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    participantCount: hub.participantCount(row.id),
    activeSessionId: hub.activeSessionId(row.id),
  };
}

export function createRoom(herald: Herald, input: RoomInput): Room {
  const id = input.id ?? newId("room");
  if (findRoom(herald.db, id)) {
    throw conflict(`A room with id "${id}" already exists. Pick another id, or PATCH that room.`);
  }
  const at = nowIso();
  const row: RoomRow = {
    id,
    name: input.name ?? null,
    metadata: metadataText(input.metadata),
    createdAt: at,
    updatedAt: at,
  };
  herald.db.insert(rooms).values(row).run();

  return present(herald, row);
}

export function listRooms(herald: Herald, limit: number, cursor?: string): Page<Room> {
  const rows = herald.db
    .select()
    .from(rooms)
    .where(after(decodeCursor(cursor), rooms.createdAt, rooms.id))
    .orderBy(...newestFirst(rooms.createdAt, rooms.id))
    .limit(limit + 1)
    .all();

  return toPage(rows, limit, (row) => [row.createdAt, row.id], (row) => present(herald, row));
}

export function getRoom(herald: Herald, roomId: string): Room {
  return present(herald, requireRoom(herald.db, roomId));
}

export function updateRoom(herald: Herald, roomId: string, input: RoomInput): Room {
  const row = requireRoom(herald.db, roomId);
  const next: RoomRow = {
    ...row,
    name: input.name === undefined ? row.name : input.name,
    metadata: input.metadata === undefined ? row.metadata : metadataText(input.metadata),
  };
  if (next.name !== row.name || next.metadata !== row.metadata) {
    next.updatedAt = nowIso();
    herald.db
      .update(rooms)
      .set({ name: next.name, metadata: next.metadata, updatedAt: next.updatedAt })
      .where(eq(rooms.id, roomId))
      .run();
  }

  return present(herald, next);
}

/**
 * Deletes a room and everything in it. In one transaction: each
 * participant's participant.left (room_deleted), session.closed
 * (room_deleted) if a session was open, user.deleted for each user (oldest
 * first), and the rows of its users, sessions, store entries and files.
 * After the commit its sockets close (code 4001) and its files folder goes.
 * The room's event sequence is kept, so a room made again with the same id
 * carries on from it. File uploads already running finish first (and are
 * deleted with the room); those arriving meanwhile wait and find no room.
 */
export function deleteRoom(herald: Herald, roomId: string): Promise<void> {
  return deletingRoom(roomId, () => removeRoom(herald, roomId));
}

async function removeRoom(herald: Herald, roomId: string): Promise<void> {
  requireRoom(herald.db, roomId);
  const closeSockets = herald.events.transaction((tx, emit) => {
    const finish = presenceOf(herald).evictRoom(tx, emit, roomId);
    const members = tx
      .select()
      .from(users)
      .where(eq(users.roomId, roomId))
      .orderBy(asc(users.createdAt), asc(users.id))
      .all();
    for (const row of members) {
      emit({ type: "user.deleted", roomId, data: { user: toUser(fromRow(row), false) } });
    }
    tx.delete(users).where(eq(users.roomId, roomId)).run();
    tx.delete(participants).where(eq(participants.roomId, roomId)).run();
    tx.delete(sessions).where(eq(sessions.roomId, roomId)).run();
    tx.delete(storeEntries).where(eq(storeEntries.roomId, roomId)).run();
    tx.delete(files).where(eq(files.roomId, roomId)).run();
    tx.delete(rooms).where(eq(rooms.id, roomId)).run();

    return finish;
  });
  closeSockets();

  // The rows are gone, so no request can reach these bytes any more; a
  // folder that fails to go is only disk space, and is logged.
  try {
    await rm(roomFilesDir(herald.config.dataDir, roomId), { recursive: true, force: true });
  } catch (error) {
    log.warn("room files folder not removed", { roomId, error: String(error) });
  }
}

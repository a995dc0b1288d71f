// Users of a room: made, read, changed, removed, and given client tokens.
// Each write and the event it fires commit in one transaction. `online`
// comes from the live presence hub, never from the database.

import { and, eq } from "drizzle-orm";
import type { Herald } from "../../context";
import { users } from "../../db/schema";
import { conflict, notFound } from "../../http/errors";
import { after, decodeCursor, newestFirst, type Page, toPage } from "../../http/pagination";
import { newId, nowIso } from "../../ids";
import { presenceOf } from "../../presence";
import { signToken } from "../../presence/tokens";
import { metadataText } from "../rooms/model";
import { requireRoom } from "../rooms/queries";
import { fromRow, type StoredUser, toUser, type User, type UserRow } from "./model";
import { findUser } from "./queries";

export interface UserInput {
  id?: string;
  name?: string | null;
  email?: string | null;
  metadata?: Record<string, unknown>;
}

function present(herald: Herald, row: UserRow): User {
  return toUser(fromRow(row), presenceOf(herald).isOnline(row.roomId, row.id));
}

function requireUser(herald: Herald, roomId: string, userId: string): UserRow {
  requireRoom(herald.db, roomId);
  const row = findUser(herald.db, roomId, userId);
  if (!row) throw notFound(`User "${userId}" in room "${roomId}"`);

  return row;
}

export function listUsers(herald: Herald, roomId: string, limit: number, cursor?: string): Page<User> {
  requireRoom(herald.db, roomId);
  const rows = herald.db
    .select()
    .from(users)
    .where(and(eq(users.roomId, roomId), after(decodeCursor(cursor), users.createdAt, users.id)))
    .orderBy(...newestFirst(users.createdAt, users.id))
    .limit(limit + 1)
    .all();

  return toPage(rows, limit, (row) => [row.createdAt, row.id], (row) => present(herald, row));
}

export function getUser(herald: Herald, roomId: string, userId: string): User {
  return present(herald, requireUser(herald, roomId, userId));
}

export function createUser(herald: Herald, roomId: string, input: UserInput): User {
  requireRoom(herald.db, roomId);
  const id = input.id ?? newId("user");
  if (findUser(herald.db, roomId, id)) {
    throw conflict(`A user with id "${id}" already exists in room "${roomId}". Pick another id, or PATCH that user.`);
  }
  const at = nowIso();
  const row: UserRow = {
    roomId,
    id,
    name: input.name ?? null,
    email: input.email ?? null,
    metadata: metadataText(input.metadata),
    createdAt: at,
    updatedAt: at,
  };
  const user = toUser(fromRow(row), false);
  herald.events.transaction((tx, emit) => {
    tx.insert(users).values(row).run();
    emit({ type: "user.created", roomId, data: { user } });
  });

  return user;
}

/** JSON text with keys sorted, so metadata compares by content. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner) =>
    inner && typeof inner === "object" && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

/** Fires user.updated only when a field really changed. */
export function updateUser(herald: Herald, roomId: string, userId: string, input: UserInput): User {
  const row = requireUser(herald, roomId, userId);
  const before = fromRow(row);
  if (input.metadata !== undefined) metadataText(input.metadata);

  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const field of ["name", "email", "metadata"] as const) {
    const next = input[field];
    if (next === undefined || canonical(next) === canonical(before[field])) continue;
    changes[field] = { from: before[field], to: next };
  }
  if (Object.keys(changes).length === 0) return present(herald, row);

  const after: StoredUser = { ...before, updatedAt: nowIso() };
  for (const [field, change] of Object.entries(changes)) {
    (after as unknown as Record<string, unknown>)[field] = change.to;
  }
  const hub = presenceOf(herald);
  const finish = herald.events.transaction((tx, emit) => {
    tx.update(users)
      .set({
        name: after.name,
        email: after.email,
        metadata: JSON.stringify(after.metadata),
        updatedAt: after.updatedAt,
      })
      .where(and(eq(users.roomId, roomId), eq(users.id, userId)))
      .run();
    const broadcast = hub.userChanged(tx, after);
    const user = toUser(after, hub.isOnline(roomId, userId));
    emit({ type: "user.updated", roomId, data: { user, changes } });

    return broadcast;
  });
  finish();

  return toUser(after, hub.isOnline(roomId, userId));
}

/**
 * Removes a user, skipping the grace period: participant.left
 * (user_deleted), session.closed when the room is now empty, then
 * user.deleted, all in one transaction; their sockets close after it.
 */
export function deleteUser(herald: Herald, roomId: string, userId: string): void {
  const row = requireUser(herald, roomId, userId);
  const closeSockets = herald.events.transaction((tx, emit) => {
    const finish = presenceOf(herald).evictUser(tx, emit, roomId, userId);
    emit({ type: "user.deleted", roomId, data: { user: toUser(fromRow(row), false) } });
    tx.delete(users).where(and(eq(users.roomId, roomId), eq(users.id, userId))).run();

    return finish;
  });
  closeSockets();
}

export function issueToken(herald: Herald, roomId: string, userId: string, ttlSeconds: number) {
  const row = requireUser(herald, roomId, userId);
  const expires = Date.now() + ttlSeconds * 1000;
  const token = signToken(presenceOf(herald).tokenSecret, {
    r: roomId,
    u: userId,
    c: row.createdAt,
    e: expires,
  });

  return { token, expiresAt: nowIso(expires) };
}

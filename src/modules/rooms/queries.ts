// Reads of the rooms table that other modules share.

import { eq, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/client";
import { isTransaction, preparedFor } from "../../db/prepared";
import { rooms } from "../../db/schema";
import { notFound } from "../../http/errors";

export type RoomRow = typeof rooms.$inferSelect;

const byId = (db: Db) =>
  db.select().from(rooms).where(eq(rooms.id, sql.placeholder("id"))).prepare();

export function findRoom(db: DbOrTx, roomId: string): RoomRow | undefined {
  if (isTransaction(db)) return db.select().from(rooms).where(eq(rooms.id, roomId)).get();

  return preparedFor(db as Db, "rooms.byId", byId).get({ id: roomId });
}

/** The room, or a 404 naming it. */
export function requireRoom(db: DbOrTx, roomId: string): RoomRow {
  const room = findRoom(db, roomId);
  if (!room) throw notFound(`Room "${roomId}"`);

  return room;
}

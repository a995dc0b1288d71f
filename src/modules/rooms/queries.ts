// Reads of the rooms table that other modules share.

import { eq } from "drizzle-orm";
import type { DbOrTx } from "../../db/client";
import { rooms } from "../../db/schema";
import { notFound } from "../../http/errors";

export type RoomRow = typeof rooms.$inferSelect;

export function findRoom(db: DbOrTx, roomId: string): RoomRow | undefined {
  return db.select().from(rooms).where(eq(rooms.id, roomId)).get();
}

/** The room, or a 404 naming it. */
export function requireRoom(db: DbOrTx, roomId: string): RoomRow {
  const room = findRoom(db, roomId);
  if (!room) throw notFound(`Room "${roomId}"`);

  return room;
}

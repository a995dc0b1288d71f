// The one check the room-scoped resources share: the room must exist, or
// the answer is 404. Stores, files and published events all use it.

import { eq } from "drizzle-orm";
import type { DbOrTx } from "../../db/client";
import { rooms } from "../../db/schema";
import { notFound } from "../../http/errors";

export function requireRoom(db: DbOrTx, roomId: string): void {
  const row = db.select({ id: rooms.id }).from(rooms).where(eq(rooms.id, roomId)).get();
  if (!row) throw notFound(`Room ${roomId}`);
}

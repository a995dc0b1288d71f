// Reads of the users table that other parts (presence, rooms) share.

import { and, eq } from "drizzle-orm";
import type { DbOrTx } from "../../db/client";
import { users } from "../../db/schema";
import type { UserRow } from "./model";

export function findUser(db: DbOrTx, roomId: string, userId: string): UserRow | undefined {
  return db
    .select()
    .from(users)
    .where(and(eq(users.roomId, roomId), eq(users.id, userId)))
    .get();
}

import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const rooms = sqliteTable("rooms", {
  id: text("id").primaryKey(),
  name: text("name"),
  /** JSON object, at most 8 KiB. */
  metadata: text("metadata").notNull().default("{}"),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
}, (t) => [index("rooms_created_idx").on(t.createdAt, t.id)]);

/** A user belongs to one room; ids are unique within their room. */
export const users = sqliteTable("users", {
  roomId: text("room_id").notNull(),
  id: text("id").notNull(),
  name: text("name"),
  email: text("email"),
  metadata: text("metadata").notNull().default("{}"),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
}, (t) => [
  primaryKey({ columns: [t.roomId, t.id] }),
  index("users_room_created_idx").on(t.roomId, t.createdAt, t.id),
]);

/**
 * The last event sequence given out per room. Kept apart from `rooms` so
 * that a room deleted and made again never reuses a sequence number.
 */
export const roomSequences = sqliteTable("room_sequences", {
  roomId: text("room_id").primaryKey(),
  last: integer("last").notNull(),
});

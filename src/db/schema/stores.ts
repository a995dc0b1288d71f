import { primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Key-value entries of a room's named stores. `value` is JSON text. */
export const storeEntries = sqliteTable("store_entries", {
  roomId: text("room_id").notNull(),
  store: text("store").notNull(),
  key: text("key").notNull(),
  value: text("value").notNull(),
  updatedAt: text("updated_at").notNull(),
}, (t) => [primaryKey({ columns: [t.roomId, t.store, t.key] })]);

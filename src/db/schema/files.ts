import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** File metadata; the bytes live under `<dataDir>/files/<roomId>/`. */
export const files = sqliteTable("files", {
  roomId: text("room_id").notNull(),
  name: text("name").notNull(),
  size: integer("size").notNull(),
  contentType: text("content_type").notNull(),
  etag: text("etag").notNull(),
  uploadedAt: text("uploaded_at").notNull(),
}, (t) => [primaryKey({ columns: [t.roomId, t.name] })]);

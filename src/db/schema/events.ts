import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The event log. `payload` is the envelope exactly as serialised once, so
 * every delivery sends the same bytes. `seq` orders the whole log.
 */
export const events = sqliteTable("events", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  id: text("id").notNull().unique(),
  type: text("type").notNull(),
  roomId: text("room_id").notNull(),
  sequence: integer("sequence").notNull(),
  timestamp: text("timestamp").notNull(),
  payload: text("payload").notNull(),
}, (t) => [
  index("events_type_idx").on(t.type, t.seq),
  index("events_room_idx").on(t.roomId, t.seq),
  index("events_timestamp_idx").on(t.timestamp),
]);

import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Sessions of a room: open while `closedAt` is null. */
export const sessions = sqliteTable("sessions", {
  id: text("id").primaryKey(),
  roomId: text("room_id").notNull(),
  startedAt: text("started_at").notNull(),
  closedAt: text("closed_at"),
  peakParticipants: integer("peak_participants").notNull().default(0),
  closeReason: text("close_reason"),
}, (t) => [index("sessions_room_started_idx").on(t.roomId, t.startedAt, t.id)]);

/**
 * Participants online now. The live state is in memory; these rows let a
 * new process close what a previous one left open (`server_restart`).
 */
export const participants = sqliteTable("participants", {
  roomId: text("room_id").notNull(),
  userId: text("user_id").notNull(),
  sessionId: text("session_id").notNull(),
  joinedAt: text("joined_at").notNull(),
  /** The user as it was when they joined, JSON, for the restart events. */
  user: text("user").notNull(),
}, (t) => [primaryKey({ columns: [t.roomId, t.userId] })]);

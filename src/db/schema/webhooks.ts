import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const webhooks = sqliteTable("webhooks", {
  id: text("id").primaryKey(),
  url: text("url").notNull(),
  /** JSON array of event types; empty means all. */
  events: text("events").notNull().default("[]"),
  roomId: text("room_id"),
  description: text("description"),
  /** JSON object of extra request headers. */
  headers: text("headers").notNull().default("{}"),
  enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
  disabledReason: text("disabled_reason"),
  secret: text("secret").notNull(),
  /** JSON array of `{ secret, expiresAt }` still signing during a rotation. */
  previousSecrets: text("previous_secrets").notNull().default("[]"),
  rateLimit: integer("rate_limit"),
  /** When the current run of failures began; null after any success. */
  failingSince: text("failing_since"),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
}, (t) => [index("webhooks_created_idx").on(t.createdAt, t.id)]);

export const deliveries = sqliteTable("deliveries", {
  id: text("id").primaryKey(),
  webhookId: text("webhook_id").notNull(),
  eventId: text("event_id").notNull(),
  eventType: text("event_type").notNull(),
  status: text("status", { enum: ["pending", "success", "failed"] }).notNull(),
  attemptCount: integer("attempt_count").notNull().default(0),
  lastStatusCode: integer("last_status_code"),
  lastError: text("last_error"),
  nextAttemptAt: text("next_attempt_at"),
  test: integer("test", { mode: "boolean" }).notNull().default(false),
  /** The envelope for test deliveries, whose event is not in the log. */
  payload: text("payload"),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
}, (t) => [
  index("deliveries_webhook_idx").on(t.webhookId, t.createdAt, t.id),
  index("deliveries_event_idx").on(t.eventId),
]);

export const attempts = sqliteTable("attempts", {
  id: text("id").primaryKey(),
  deliveryId: text("delivery_id").notNull(),
  startedAt: text("started_at").notNull(),
  durationMs: integer("duration_ms").notNull(),
  statusCode: integer("status_code").notNull(),
  responseBody: text("response_body"),
  error: text("error"),
  trigger: text("trigger", { enum: ["scheduled", "manual"] }).notNull(),
}, (t) => [index("attempts_delivery_idx").on(t.deliveryId, t.startedAt)]);

import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const workflows = sqliteTable("workflows", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  source: text("source").notNull(),
  /** The source with types stripped, as the sandbox evaluates it. */
  compiled: text("compiled").notNull(),
  version: integer("version").notNull(),
  events: text("events").notNull().default("[]"),
  roomId: text("room_id"),
  enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
  timeoutMs: integer("timeout_ms").notNull(),
  allowedHosts: text("allowed_hosts").notNull().default("[]"),
  /** JSON object NAME -> value (encrypted when HERALD_SECRET_KEY is set). */
  secrets: text("secrets").notNull().default("{}"),
  permissions: text("permissions").notNull().default("[]"),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
}, (t) => [index("workflows_created_idx").on(t.createdAt, t.id)]);

export const workflowVersions = sqliteTable("workflow_versions", {
  workflowId: text("workflow_id").notNull(),
  version: integer("version").notNull(),
  source: text("source").notNull(),
  compiled: text("compiled").notNull(),
  createdAt: text("created_at").notNull(),
}, (t) => [primaryKey({ columns: [t.workflowId, t.version] })]);

export const executions = sqliteTable("executions", {
  id: text("id").primaryKey(),
  workflowId: text("workflow_id").notNull(),
  workflowVersion: integer("workflow_version").notNull(),
  eventId: text("event_id").notNull(),
  eventType: text("event_type").notNull(),
  roomId: text("room_id").notNull(),
  status: text("status", { enum: ["pending", "running", "success", "failed", "timeout"] }).notNull(),
  startedAt: text("started_at"),
  finishedAt: text("finished_at"),
  durationMs: integer("duration_ms"),
  logs: text("logs").notNull().default("[]"),
  error: text("error"),
  result: text("result"),
  fetches: text("fetches").notNull().default("[]"),
  test: integer("test", { mode: "boolean" }).notNull().default(false),
  /** The envelope for test executions, whose event is not in the log. */
  payload: text("payload"),
  createdAt: text("created_at").notNull(),
}, (t) => [
  index("executions_workflow_idx").on(t.workflowId, t.createdAt, t.id),
  index("executions_event_idx").on(t.eventId),
]);

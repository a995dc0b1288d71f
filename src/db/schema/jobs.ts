import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The job table: one row per piece of due work (a delivery attempt or a
 * workflow execution). The row only schedules; the state a user sees lives
 * in `deliveries` and `executions`. Every operation on it is in
 * src/jobs/queue.ts.
 */
export const jobs = sqliteTable("jobs", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  kind: text("kind", { enum: ["deliver", "execute"] }).notNull(),
  /** The delivery or execution id this job works on. */
  refId: text("ref_id").notNull(),
  /** Concurrency group (the webhook id for deliveries). */
  groupKey: text("group_key").notNull(),
  trigger: text("trigger", { enum: ["scheduled", "manual"] }).notNull().default("scheduled"),
  /** Epoch milliseconds when the job is due. */
  runAt: integer("run_at").notNull(),
  /** Epoch milliseconds until which a claim holds; null when unclaimed. */
  lockedUntil: integer("locked_until"),
  createdAt: integer("created_at").notNull(),
}, (t) => [
  index("jobs_due_idx").on(t.kind, t.lockedUntil, t.runAt),
  index("jobs_group_due_idx").on(t.kind, t.groupKey, t.lockedUntil, t.runAt),
  index("jobs_ref_idx").on(t.refId),
]);

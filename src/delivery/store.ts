// The delivery engine's reads and writes, prepared once. Every attempt
// runs these; building and compiling each query afresh cost more than
// the rest of the attempt's bookkeeping together.

import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { attempts, deliveries, events, webhooks } from "../db/schema";

export type DeliveryRow = typeof deliveries.$inferSelect;
export type WebhookRow = typeof webhooks.$inferSelect;
export type AttemptRow = typeof attempts.$inferInsert;

const p = (name: string) => sql.placeholder(name);

export function makeDeliveryStore(db: Db) {
  const delivery = db.select().from(deliveries).where(eq(deliveries.id, p("id"))).prepare();
  const webhook = db.select().from(webhooks).where(eq(webhooks.id, p("id"))).prepare();
  const payload = db.select({ payload: events.payload }).from(events).where(eq(events.id, p("id"))).prepare();
  const deliveryExists = db
    .select({ id: deliveries.id })
    .from(deliveries)
    .where(eq(deliveries.id, p("id")))
    .prepare();
  const insertAttempt = db
    .insert(attempts)
    .values({
      id: p("id"),
      deliveryId: p("deliveryId"),
      startedAt: p("startedAt"),
      durationMs: p("durationMs"),
      statusCode: p("statusCode"),
      responseBody: p("responseBody"),
      error: p("error"),
      trigger: p("trigger"),
    })
    .prepare();
  const afterAttempt = db
    .update(deliveries)
    .set({
      status: sql`${p("status")}`,
      attemptCount: sql`${deliveries.attemptCount} + 1`,
      lastStatusCode: sql`${p("lastStatusCode")}`,
      lastError: sql`${p("lastError")}`,
      nextAttemptAt: sql`${p("nextAttemptAt")}`,
      updatedAt: sql`${p("updatedAt")}`,
    })
    .where(eq(deliveries.id, p("id")))
    .prepare();
  const abandon = db
    .update(deliveries)
    .set({ status: "failed", nextAttemptAt: null, updatedAt: sql`${p("updatedAt")}` })
    .where(and(eq(deliveries.id, p("id")), eq(deliveries.status, "pending")))
    .prepare();
  const failingSince = db
    .update(webhooks)
    .set({ failingSince: sql`${p("failingSince")}` })
    .where(eq(webhooks.id, p("id")))
    .prepare();

  return {
    delivery: (id: string): DeliveryRow | undefined => delivery.get({ id }),
    webhook: (id: string): WebhookRow | undefined => webhook.get({ id }),
    payload: (eventId: string): string | undefined => payload.get({ id: eventId })?.payload,
    deliveryExists: (id: string): boolean => deliveryExists.get({ id }) !== undefined,
    insertAttempt: (row: Required<AttemptRow>) => insertAttempt.run(row),
    afterAttempt: (row: {
      id: string;
      status: DeliveryRow["status"];
      lastStatusCode: number;
      lastError: string | null;
      nextAttemptAt: string | null;
      updatedAt: string;
    }) => afterAttempt.run(row),
    /** Ends a pending delivery that can no longer be sent. */
    abandon: (id: string, updatedAt: string) => abandon.run({ id, updatedAt }),
    /** Starts (an ISO time) or ends (null) a webhook's run of failures. */
    setFailingSince: (id: string, at: string | null) => failingSince.run({ id, failingSince: at }),
  };
}

export type DeliveryStore = ReturnType<typeof makeDeliveryStore>;

// Deliveries: queued (tests, replays), listed per webhook, read with
// their attempts, and retried by hand. The delivery engine that makes the
// attempts is src/jobs/handlers/deliver-webhook.ts.

import { and, asc, eq, type SQL } from "drizzle-orm";
import type { Herald } from "../../context";
import type { DbOrTx } from "../../db/client";
import { attempts, deliveries, webhooks } from "../../db/schema";
import { conflict, notFound } from "../../http/errors";
import { after, decodeCursor, newestFirst, type Page, toPage } from "../../http/pagination";
import { newId, nowIso } from "../../ids";
import { cancel, enqueue } from "../../jobs/queue";
import { log } from "../../log";
import { type Delivery, toAttempt, toDelivery } from "./model";

export interface QueueInput {
  webhookId: string;
  eventId: string;
  eventType: string;
  now: number;
  /** Test deliveries carry their own envelope; others read the event log. */
  payload?: string;
}

/** A pending delivery and the job that will make its first attempt. */
export function queueDelivery(tx: DbOrTx, input: QueueInput): typeof deliveries.$inferSelect {
  const at = nowIso(input.now);
  const row = tx
    .insert(deliveries)
    .values({
      id: newId("dlv"),
      webhookId: input.webhookId,
      eventId: input.eventId,
      eventType: input.eventType,
      status: "pending",
      nextAttemptAt: at,
      test: input.payload !== undefined,
      payload: input.payload ?? null,
      createdAt: at,
      updatedAt: at,
    })
    .returning()
    .get();
  enqueue(tx, { kind: "deliver", refId: row.id, groupKey: input.webhookId, runAt: input.now });

  return row;
}

type DeliveryStatus = (typeof deliveries.$inferSelect)["status"];

export function listDeliveries(
  herald: Herald,
  webhookId: string,
  query: { status?: DeliveryStatus; eventType?: string; limit?: number; cursor?: string },
): Page<Delivery> {
  const hook = herald.db.select({ id: webhooks.id }).from(webhooks).where(eq(webhooks.id, webhookId));
  if (!hook.get()) throw notFound(`Webhook ${webhookId}`);
  const limit = query.limit ?? 20;
  const conditions: Array<SQL | undefined> = [
    eq(deliveries.webhookId, webhookId),
    after(decodeCursor(query.cursor), deliveries.createdAt, deliveries.id),
  ];
  if (query.status) conditions.push(eq(deliveries.status, query.status));
  if (query.eventType) conditions.push(eq(deliveries.eventType, query.eventType));
  const rows = herald.db
    .select()
    .from(deliveries)
    .where(and(...conditions))
    .orderBy(...newestFirst(deliveries.createdAt, deliveries.id))
    .limit(limit + 1)
    .all();

  return toPage(rows, limit, (row) => [row.createdAt, row.id], toDelivery);
}

function deliveryRow(herald: Herald, id: string) {
  const row = herald.db.select().from(deliveries).where(eq(deliveries.id, id)).get();
  if (!row) throw notFound(`Delivery ${id}`);

  return row;
}

export function getDelivery(herald: Herald, id: string) {
  const row = deliveryRow(herald, id);
  const tried = herald.db
    .select()
    .from(attempts)
    .where(eq(attempts.deliveryId, id))
    .orderBy(asc(attempts.startedAt), asc(attempts.id))
    .all();

  return { ...toDelivery(row), attempts: tried.map(toAttempt) };
}

/**
 * One more attempt now, whatever the delivery's status. Any job already
 * waiting for it is replaced by a manual one; an attempt in flight
 * finishes first (the runner never runs two attempts of one delivery at
 * once), and the manual attempt follows it.
 */
export function retryDelivery(herald: Herald, id: string): Delivery {
  const row = deliveryRow(herald, id);
  const hook = herald.db
    .select({ enabled: webhooks.enabled })
    .from(webhooks)
    .where(eq(webhooks.id, row.webhookId))
    .get();
  if (!hook?.enabled) {
    throw conflict("The webhook is disabled. Enable it (PATCH /v1/webhooks/:id with enabled: true), then retry.");
  }
  const now = Date.now();
  const updated = herald.db.transaction((tx) => {
    cancel(tx, [id]);
    const job = { kind: "deliver" as const, refId: id, groupKey: row.webhookId, runAt: now };
    enqueue(tx, { ...job, trigger: "manual" });
    return tx
      .update(deliveries)
      .set({ nextAttemptAt: nowIso(now), updatedAt: nowIso(now) })
      .where(eq(deliveries.id, id))
      .returning()
      .get();
  });
  herald.runner.nudge([{ kind: "deliver", group: row.webhookId }]);
  log.info("delivery retry queued", { deliveryId: id, webhookId: row.webhookId });

  return toDelivery(updated);
}

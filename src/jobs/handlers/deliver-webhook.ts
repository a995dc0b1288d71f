// The delivery engine: one job is one attempt of one delivery. It loads
// the delivery, its webhook and the envelope, signs the body afresh
// (Standard Webhooks), sends it through the guarded HTTP client, records
// the attempt and tells the runner whether and when to try again.
//
// Failure modes: a process killed mid-attempt leaves the job leased; the
// next start releases it and the attempt runs again (at least once, so a
// receiver may see a webhook-id twice). A webhook deleted mid-attempt
// takes its deliveries with it; the attempt is then dropped unrecorded.

import { and, eq, isNotNull, sql } from "drizzle-orm";
import type { Herald } from "../../context";
import type { Tx } from "../../db/client";
import { attempts, deliveries, events, webhooks } from "../../db/schema";
import { makeAllowList } from "../../delivery/address-guard";
import { send, type AttemptResult } from "../../delivery/http-client";
import { decide, type Decision, succeeded } from "../../delivery/outcome";
import { AttemptLimiter } from "../../delivery/rate-limit";
import { signatureHeader } from "../../delivery/sign";
import { newId, nowIso } from "../../ids";
import { log } from "../../log";
import { signingSecrets } from "../../modules/webhooks/secrets";
import { cancelGroup, type Job } from "../queue";
import type { Outcome } from "../runner";

type DeliveryRow = typeof deliveries.$inferSelect;
type WebhookRow = typeof webhooks.$inferSelect;

export function makeDeliverHandler(herald: Herald) {
  const { config, db } = herald;
  const allow = makeAllowList(config.allowPrivateTargets);
  const limiter = new AttemptLimiter();
  const userAgent = `Herald/${herald.version}`;

  /** Ends a delivery that can no longer be sent (webhook disabled, event gone). */
  const abandon = (delivery: DeliveryRow) => {
    if (delivery.status !== "pending") return;
    db.update(deliveries)
      .set({ status: "failed", nextAttemptAt: null, updatedAt: nowIso() })
      .where(eq(deliveries.id, delivery.id))
      .run();
  };

  return async function deliver(job: Job): Promise<Outcome> {
    const delivery = db.select().from(deliveries).where(eq(deliveries.id, job.refId)).get();
    // Gone with its webhook, or already finished: a leftover job of a scheduled retry.
    if (!delivery) return { done: true };
    if (job.trigger === "scheduled" && delivery.status !== "pending") return { done: true };
    const hook = db.select().from(webhooks).where(eq(webhooks.id, delivery.webhookId)).get();
    if (!hook) return { done: true };
    if (!hook.enabled) {
      abandon(delivery);
      return { done: true };
    }

    const putOffUntil = limiter.take(hook.id, hook.rateLimit, Date.now());
    if (putOffUntil !== null) return { done: false, retryAt: putOffUntil, trigger: job.trigger };

    const body = delivery.payload ?? db.select({ payload: events.payload }).from(events).where(eq(events.id, delivery.eventId)).get()?.payload;
    if (body === undefined) {
      log.warn("delivery event missing", { deliveryId: delivery.id, eventId: delivery.eventId });
      abandon(delivery);
      return { done: true };
    }

    const started = Date.now();
    // Each attempt is signed afresh: a new timestamp, the same id and body.
    const timestamp = Math.floor(started / 1000);
    const headers: Record<string, string> = {
      ...JSON.parse(hook.headers),
      "content-type": "application/json",
      "user-agent": userAgent,
      "webhook-id": delivery.eventId,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": signatureHeader(signingSecrets(config, hook, started), delivery.eventId, timestamp, body),
    };
    const result = await send({ url: hook.url, headers, body, timeoutMs: config.deliveryTimeoutMs, allow });

    const now = Date.now();
    const decision = decide({
      result,
      attemptCount: delivery.attemptCount + 1,
      schedule: config.retrySchedule,
      wasPending: delivery.status === "pending",
      now,
    });
    const recorded = db.transaction((tx) => record(tx, { delivery, result, decision, started, now, trigger: job.trigger }));
    logAttempt(delivery, result, recorded, job);
    if (recorded.disabled) log.error("webhook disabled", { webhookId: hook.id, reason: recorded.disabled });

    return recorded.status === "pending" && recorded.nextAttemptAt !== null
      ? { done: false, retryAt: recorded.nextAttemptAt }
      : { done: true };
  };

  interface RecordInput {
    delivery: DeliveryRow;
    result: AttemptResult;
    decision: Decision;
    started: number;
    now: number;
    trigger: Job["trigger"];
  }

  interface Recorded {
    status: "pending" | "success" | "failed" | "gone";
    nextAttemptAt: number | null;
    disabled: "gone" | "failing" | null;
  }

  /** Writes the attempt, the delivery's new state and the webhook's health in one transaction. */
  function record(tx: Tx, input: RecordInput): Recorded {
    const { delivery, result, decision, now } = input;
    const still = tx.select({ id: deliveries.id }).from(deliveries).where(eq(deliveries.id, delivery.id)).get();
    const hook = tx.select().from(webhooks).where(eq(webhooks.id, delivery.webhookId)).get();
    if (!still || !hook) return { status: "gone", nextAttemptAt: null, disabled: null };

    tx.insert(attempts)
      .values({
        id: newId("att"),
        deliveryId: delivery.id,
        startedAt: nowIso(input.started),
        durationMs: result.durationMs,
        statusCode: result.statusCode,
        responseBody: result.responseBody,
        error: result.error,
        trigger: input.trigger,
      })
      .run();

    let status = decision.status;
    let nextAttemptAt = decision.nextAttemptAt;
    const disabled = hook.enabled ? health(tx, hook, delivery, result, decision, now) : null;
    // A webhook disabled now, or by another attempt while this one ran,
    // takes no more attempts: what would have been retried has failed.
    if (disabled || !hook.enabled) {
      if (status === "pending") status = "failed";
      nextAttemptAt = null;
    }
    tx.update(deliveries)
      .set({
        status,
        attemptCount: sql`${deliveries.attemptCount} + 1`,
        lastStatusCode: result.statusCode,
        lastError: result.error,
        nextAttemptAt: nextAttemptAt === null ? null : nowIso(nextAttemptAt),
        updatedAt: nowIso(now),
      })
      .where(eq(deliveries.id, delivery.id))
      .run();
    if (disabled) disableWebhook(tx, hook.id, disabled, now);

    return { status, nextAttemptAt, disabled };
  }

  /**
   * Tracks the webhook's run of failures: a success ends it, a failure
   * starts it or, once it has lasted HERALD_DISABLE_AFTER, disables the
   * webhook. Test deliveries do not count, except a 410, which says the
   * endpoint is gone whatever was sent. Returns the reason when the
   * webhook must be disabled.
   */
  function health(
    tx: Tx,
    hook: WebhookRow,
    delivery: DeliveryRow,
    result: AttemptResult,
    decision: Decision,
    now: number,
  ): "gone" | "failing" | null {
    if (decision.disable) return decision.disable;
    if (delivery.test) return null;
    if (succeeded(result)) {
      tx.update(webhooks)
        .set({ failingSince: null })
        .where(and(eq(webhooks.id, hook.id), isNotNull(webhooks.failingSince)))
        .run();
      return null;
    }
    if (hook.failingSince === null) {
      tx.update(webhooks).set({ failingSince: nowIso(now) }).where(eq(webhooks.id, hook.id)).run();
      return null;
    }

    return now - Date.parse(hook.failingSince) >= config.disableAfterMs ? "failing" : null;
  }

  function logAttempt(delivery: DeliveryRow, result: AttemptResult, recorded: Recorded, job: Job): void {
    const fields = {
      webhookId: delivery.webhookId,
      deliveryId: delivery.id,
      attempt: delivery.attemptCount + 1,
      trigger: job.trigger,
      statusCode: result.statusCode,
      error: result.error,
      durationMs: result.durationMs,
    };
    if (recorded.status === "gone") log.debug("delivery attempt dropped: webhook deleted", fields);
    else if (succeeded(result)) log.debug("delivery attempt succeeded", fields);
    else if (recorded.status === "failed") log.error("delivery failed", fields);
    else log.warn("delivery attempt failed", { ...fields, nextAttemptAt: nowIso(recorded.nextAttemptAt ?? Date.now()) });
  }
}

/** Disables a webhook; its waiting deliveries end as failed and their jobs go. */
function disableWebhook(tx: Tx, webhookId: string, reason: "gone" | "failing", now: number): void {
  const at = nowIso(now);
  tx.update(webhooks)
    .set({ enabled: false, disabledReason: reason, updatedAt: at })
    .where(eq(webhooks.id, webhookId))
    .run();
  tx.update(deliveries)
    .set({ status: "failed", nextAttemptAt: null, updatedAt: at })
    .where(and(eq(deliveries.webhookId, webhookId), eq(deliveries.status, "pending")))
    .run();
  cancelGroup(tx, webhookId);
}

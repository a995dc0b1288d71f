// The delivery engine: one job is one attempt of one delivery. It loads
// the delivery, its webhook and the envelope, signs the body afresh
// (Standard Webhooks), sends it through the guarded HTTP client, records
// the attempt and tells the runner whether and when to try again.
//
// Failure modes: a process killed mid-attempt leaves the job leased; the
// next start releases it and the attempt runs again (at least once, so a
// receiver may see a webhook-id twice). A webhook deleted mid-attempt
// takes its deliveries with it; the attempt is then dropped unrecorded.
// One disabled mid-attempt (by the caller, a 410 or its failure run)
// takes no further attempts: this one is recorded and the delivery ends.

import { and, eq } from "drizzle-orm";
import type { Herald } from "../../context";
import type { Tx } from "../../db/client";
import { deliveries, webhooks } from "../../db/schema";
import { makeAllowList } from "../../delivery/address-guard";
import { type AttemptResult, send } from "../../delivery/http-client";
import { decide, type Decision, succeeded } from "../../delivery/outcome";
import { AttemptLimiter } from "../../delivery/rate-limit";
import { signatureHeader } from "../../delivery/sign";
import { type DeliveryRow, makeDeliveryStore, type WebhookRow } from "../../delivery/store";
import { newId, nowIso } from "../../ids";
import { log } from "../../log";
import { signingSecrets } from "../../modules/webhooks/secrets";
import { cancelGroup, type Job } from "../queue";
import type { Outcome } from "../runner";

type Disable = "gone" | "failing";

interface Recorded {
  status: DeliveryRow["status"] | "gone";
  nextAttemptAt: number | null;
  disabled: Disable | null;
}

export function makeDeliverHandler(herald: Herald) {
  const { config, db } = herald;
  const store = makeDeliveryStore(db);
  const allow = makeAllowList(config.allowPrivateTargets);
  const limiter = new AttemptLimiter();
  const userAgent = `Herald/${herald.version}`;

  return async function deliver(job: Job): Promise<Outcome> {
    const delivery = store.delivery(job.refId);
    // Gone with its webhook, or finished: a leftover job has nothing to do.
    if (!delivery) return { done: true };
    if (job.trigger === "scheduled" && delivery.status !== "pending") return { done: true };
    const hook = store.webhook(delivery.webhookId);
    if (!hook) return { done: true };
    if (!hook.enabled) {
      store.abandon(delivery.id, nowIso());
      return { done: true };
    }

    const putOffUntil = limiter.take(hook.id, hook.rateLimit, Date.now());
    if (putOffUntil !== null) return { done: false, retryAt: putOffUntil, trigger: job.trigger };

    const body = delivery.payload ?? store.payload(delivery.eventId);
    if (body === undefined) {
      log.warn("delivery event missing", { deliveryId: delivery.id, eventId: delivery.eventId });
      store.abandon(delivery.id, nowIso());
      return { done: true };
    }

    const started = Date.now();
    // Each attempt is signed afresh: a new timestamp, the same id and body.
    const timestamp = Math.floor(started / 1000);
    const secrets = signingSecrets(config, hook, started);
    const headers: Record<string, string> = {
      ...JSON.parse(hook.headers),
      "content-type": "application/json",
      "user-agent": userAgent,
      "webhook-id": delivery.eventId,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": signatureHeader(secrets, delivery.eventId, timestamp, body),
    };
    const timeoutMs = config.deliveryTimeoutMs;
    const result = await send({ url: hook.url, headers, body, timeoutMs, allow });

    const now = Date.now();
    const decision = decide({
      result,
      attemptCount: delivery.attemptCount + 1,
      schedule: config.retrySchedule,
      wasPending: delivery.status === "pending",
      now,
    });
    const recorded = db.transaction((tx) => record(tx, delivery, result, decision, started, now, job));
    logAttempt(delivery, result, recorded, job);

    return recorded.status === "pending" && recorded.nextAttemptAt !== null
      ? { done: false, retryAt: recorded.nextAttemptAt }
      : { done: true };
  };

  /** Writes the attempt, the delivery's new state and the webhook's health in one transaction. */
  function record(
    tx: Tx,
    delivery: DeliveryRow,
    result: AttemptResult,
    decision: Decision,
    started: number,
    now: number,
    job: Job,
  ): Recorded {
    // Read again: the webhook may have been deleted or disabled meanwhile.
    const hook = store.webhook(delivery.webhookId);
    if (!hook || !store.deliveryExists(delivery.id)) {
      return { status: "gone", nextAttemptAt: null, disabled: null };
    }

    store.insertAttempt({
      id: newId("att"),
      deliveryId: delivery.id,
      startedAt: nowIso(started),
      durationMs: result.durationMs,
      statusCode: result.statusCode,
      responseBody: result.responseBody,
      error: result.error,
      trigger: job.trigger,
    });

    let status: DeliveryRow["status"] = decision.status;
    let nextAttemptAt = decision.nextAttemptAt;
    const disabled = hook.enabled ? health(hook, delivery, result, decision, now) : null;
    // A webhook disabled now, or while this attempt ran, takes no more
    // attempts: what would have been retried has failed.
    if (disabled || !hook.enabled) {
      if (status === "pending") status = "failed";
      nextAttemptAt = null;
    }
    store.afterAttempt({
      id: delivery.id,
      status,
      lastStatusCode: result.statusCode,
      lastError: result.error,
      nextAttemptAt: nextAttemptAt === null ? null : nowIso(nextAttemptAt),
      updatedAt: nowIso(now),
    });
    if (disabled) disableWebhook(tx, hook.id, disabled, now);

    return { status, nextAttemptAt, disabled };
  }

  /**
   * Tracks the webhook's run of failures: a success ends it, a failure
   * starts it or, once it has lasted HERALD_DISABLE_AFTER, disables the
   * webhook. Test deliveries do not count, except a 410, which says the
   * endpoint is gone whatever was sent. Returns why the webhook must be
   * disabled, if it must.
   */
  function health(
    hook: WebhookRow,
    delivery: DeliveryRow,
    result: AttemptResult,
    decision: Decision,
    now: number,
  ): Disable | null {
    if (decision.disable) return decision.disable;
    if (delivery.test) return null;
    if (succeeded(result)) {
      if (hook.failingSince !== null) store.setFailingSince(hook.id, null);
      return null;
    }
    if (hook.failingSince === null) {
      store.setFailingSince(hook.id, nowIso(now));
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
    else log.warn("delivery attempt failed", { ...fields, nextAttemptAt: nowIso(recorded.nextAttemptAt ?? 0) });
    if (recorded.disabled) {
      log.error("webhook disabled", { webhookId: delivery.webhookId, reason: recorded.disabled });
    }
  }
}

/** Disables a webhook; its waiting deliveries end as failed and their jobs go. */
function disableWebhook(tx: Tx, webhookId: string, reason: Disable, now: number): void {
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

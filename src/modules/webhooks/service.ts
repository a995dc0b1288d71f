// Webhooks: made, read, changed, deleted, their secret rotated. Sending a
// test event and replaying the log are in actions.ts.

import { and, eq, inArray, type SQL } from "drizzle-orm";
import type { Herald } from "../../context";
import { attempts, deliveries, webhooks } from "../../db/schema";
import { generateSecret } from "../../delivery/sign";
import { notFound } from "../../http/errors";
import { after, decodeCursor, newestFirst, type Page, toPage } from "../../http/pagination";
import { newId, nowIso } from "../../ids";
import { cancelGroup } from "../../jobs/queue";
import { log } from "../../log";
import { checkEvents, checkHeaders, checkSecret, checkUrl, type Webhook } from "./model";
import { openSecret, rotatePrevious, sealSecret } from "./secrets";

export type WebhookRow = typeof webhooks.$inferSelect;

export interface WebhookInput {
  url?: string;
  events?: string[];
  roomId?: string | null;
  description?: string | null;
  headers?: Record<string, string>;
  enabled?: boolean;
  secret?: string;
  rateLimit?: number | null;
}

export function toWebhook(row: WebhookRow): Webhook {
  return {
    id: row.id,
    url: row.url,
    events: JSON.parse(row.events),
    roomId: row.roomId,
    description: row.description,
    headers: JSON.parse(row.headers),
    enabled: row.enabled,
    disabledReason: row.disabledReason as Webhook["disabledReason"],
    rateLimit: row.rateLimit,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function webhookRow(herald: Herald, id: string): WebhookRow {
  const row = herald.db.select().from(webhooks).where(eq(webhooks.id, id)).get();
  if (!row) throw notFound(`Webhook ${id}`);

  return row;
}

export function createWebhook(
  herald: Herald,
  input: WebhookInput & { url: string },
): Webhook & { secret: string } {
  const url = checkUrl(input.url);
  const events = checkEvents(input.events ?? []);
  const headers = checkHeaders(input.headers ?? {});
  const secret = input.secret === undefined ? generateSecret() : checkSecret(input.secret);

  const id = newId("wh");
  const now = nowIso();
  const row = herald.db
    .insert(webhooks)
    .values({
      id,
      url,
      events: JSON.stringify(events),
      roomId: input.roomId ?? null,
      description: input.description ?? null,
      headers: JSON.stringify(headers),
      enabled: input.enabled ?? true,
      secret: sealSecret(herald.config, id, secret),
      rateLimit: input.rateLimit ?? null,
      createdAt: now,
      updatedAt: now,
    })
    .returning()
    .get();
  log.info("webhook created", { webhookId: id });

  return { ...toWebhook(row), secret };
}

export function listWebhooks(
  herald: Herald,
  query: { roomId?: string; limit?: number; cursor?: string },
): Page<Webhook> {
  const limit = query.limit ?? 20;
  const conditions: Array<SQL | undefined> = [
    after(decodeCursor(query.cursor), webhooks.createdAt, webhooks.id),
  ];
  if (query.roomId !== undefined) conditions.push(eq(webhooks.roomId, query.roomId));
  const rows = herald.db
    .select()
    .from(webhooks)
    .where(and(...conditions))
    .orderBy(...newestFirst(webhooks.createdAt, webhooks.id))
    .limit(limit + 1)
    .all();

  return toPage(rows, limit, (row) => [row.createdAt, row.id], toWebhook);
}

export function getSecret(herald: Herald, id: string): { secret: string } {
  const row = webhookRow(herald, id);

  return { secret: openSecret(herald.config, id, row.secret) };
}

export function updateWebhook(herald: Herald, id: string, input: WebhookInput): Webhook {
  const row = webhookRow(herald, id);
  const set: Partial<WebhookRow> = { updatedAt: nowIso() };
  if (input.url !== undefined) set.url = checkUrl(input.url);
  if (input.events !== undefined) set.events = JSON.stringify(checkEvents(input.events));
  if (input.headers !== undefined) set.headers = JSON.stringify(checkHeaders(input.headers));
  if (input.secret !== undefined) set.secret = sealSecret(herald.config, id, checkSecret(input.secret));
  if (input.roomId !== undefined) set.roomId = input.roomId;
  if (input.description !== undefined) set.description = input.description;
  if (input.rateLimit !== undefined) set.rateLimit = input.rateLimit;
  if (input.enabled === true && !row.enabled) {
    // Re-enabling starts over: the failure run that disabled it is history.
    Object.assign(set, { enabled: true, disabledReason: null, failingSince: null });
  } else if (input.enabled === false) {
    // A webhook the caller disables carries no reason: reasons are Herald's.
    Object.assign(set, { enabled: false, disabledReason: null });
  }
  const updated = herald.db.update(webhooks).set(set).where(eq(webhooks.id, id)).returning().get();
  log.info("webhook updated", { webhookId: id, enabled: updated.enabled });

  return toWebhook(updated);
}

/** Deletes the webhook, its deliveries and their attempts, and every job waiting for it. */
export function deleteWebhook(herald: Herald, id: string): void {
  webhookRow(herald, id);
  herald.db.transaction((tx) => {
    const ids = tx.select({ id: deliveries.id }).from(deliveries).where(eq(deliveries.webhookId, id));
    tx.delete(attempts).where(inArray(attempts.deliveryId, ids)).run();
    tx.delete(deliveries).where(eq(deliveries.webhookId, id)).run();
    cancelGroup(tx, id);
    tx.delete(webhooks).where(eq(webhooks.id, id)).run();
  });
  log.info("webhook deleted", { webhookId: id });
}

/**
 * A new current secret; the old one keeps signing beside it for
 * `graceSeconds`, so receivers can switch over without dropping requests.
 */
export function rotateSecret(
  herald: Herald,
  id: string,
  input: { graceSeconds?: number; secret?: string },
): { secret: string } {
  const row = webhookRow(herald, id);
  const secret = input.secret === undefined ? generateSecret() : checkSecret(input.secret);
  const now = Date.now();
  const previous = rotatePrevious(row.secret, row.previousSecrets, input.graceSeconds ?? 86_400, now);
  herald.db
    .update(webhooks)
    .set({
      secret: sealSecret(herald.config, id, secret),
      previousSecrets: JSON.stringify(previous),
      updatedAt: nowIso(now),
    })
    .where(eq(webhooks.id, id))
    .run();
  log.info("webhook secret rotated", { webhookId: id, graceSeconds: input.graceSeconds ?? 86_400 });

  return { secret };
}

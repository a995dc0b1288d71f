// API keys: made, listed, revoked. A key is `hk_` and 32 random bytes in
// base64url; only its SHA-256 digest and a short prefix are stored.

import { count, eq } from "drizzle-orm";
import type { Herald } from "../../context";
import { apiKeys } from "../../db/schema";
import { digest } from "../../http/auth";
import { after, decodeCursor, newestFirst, type Page, toPage } from "../../http/pagination";
import { newId, nowIso } from "../../ids";
import { log } from "../../log";

export function makeKey(): string {
  return `hk_${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url")}`;
}

export function insertKey(herald: Herald, name: string, key: string) {
  const row = {
    id: newId("key"),
    name,
    prefix: key.slice(0, 10),
    hash: digest(key),
    createdAt: nowIso(),
    lastUsedAt: null,
  };
  herald.db.insert(apiKeys).values(row).run();

  return row;
}

/**
 * HERALD_API_KEY is always accepted (added if its digest is unknown). With
 * no such variable and no key at all, one is made and printed once.
 */
export function ensureFirstApiKey(herald: Herald): void {
  const configured = herald.config.apiKey;
  if (configured) {
    const known = herald.db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.hash, digest(configured))).get();
    if (!known) insertKey(herald, "HERALD_API_KEY", configured);
    return;
  }
  const existing = herald.db.select({ n: count() }).from(apiKeys).get();
  if ((existing?.n ?? 0) > 0) return;
  const key = makeKey();
  insertKey(herald, "first key", key);
  // Printed once, on purpose: this is the only time the key exists in clear.
  log.info("first API key created; store it now, it is not shown again", { apiKey: key });
}

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
}

type KeyRow = typeof apiKeys.$inferSelect;

export function toView(row: KeyRow | ReturnType<typeof insertKey>): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
  };
}

/** Makes a new key; the clear key is in the answer and nowhere else. */
export function createKey(herald: Herald, name: string): ApiKeyView & { key: string } {
  const key = makeKey();
  const row = insertKey(herald, name, key);
  log.info("api key created", { apiKeyId: row.id });

  return { ...toView(row), key };
}

export function listKeys(herald: Herald, limit: number, cursor: string | undefined): Page<ApiKeyView> {
  const rows = herald.db
    .select()
    .from(apiKeys)
    .where(after(decodeCursor(cursor), apiKeys.createdAt, apiKeys.id))
    .orderBy(...newestFirst(apiKeys.createdAt, apiKeys.id))
    .limit(limit + 1)
    .all();

  return toPage(rows, limit, (row) => [row.createdAt, row.id], toView);
}

/**
 * Deletes the key: "revoked" when done, "missing" when there was none,
 * "last" when it is the only key left (revoking it would lock everyone out
 * until a restart). The auth check reads the table on every request, so
 * the next request with a revoked key is refused.
 */
export function revokeKey(herald: Herald, id: string): "revoked" | "missing" | "last" {
  return herald.db.transaction((tx) => {
    const row = tx.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.id, id)).get();
    if (!row) return "missing";
    const total = tx.select({ n: count() }).from(apiKeys).get()?.n ?? 0;
    if (total <= 1) return "last";
    tx.delete(apiKeys).where(eq(apiKeys.id, id)).run();
    log.info("api key revoked", { apiKeyId: id });

    return "revoked";
  });
}

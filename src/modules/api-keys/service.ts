// API keys: made, listed, revoked. A key is `hk_` and 32 random bytes in
// base64url; only its SHA-256 digest and a short prefix are stored.

import { count, eq } from "drizzle-orm";
import type { Herald } from "../../context";
import { apiKeys } from "../../db/schema";
import { digest } from "../../http/auth";
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

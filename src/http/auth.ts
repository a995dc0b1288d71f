// API-key authentication for /v1. Keys are long and random, so a fast
// SHA-256 digest is enough; the lookup is by digest, and the comparison of
// digests is constant-time. The key a request used is kept beside the
// request for the idempotency and rate-limit layers.

import { timingSafeEqual } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { Elysia } from "elysia";
import type { Db } from "../db/client";
import { preparedFor } from "../db/prepared";
import { apiKeys } from "../db/schema";
import { errorResponse, HeraldError } from "./errors";

const byRequest = new WeakMap<Request, string>();

/** The id of the API key that authenticated this request. */
export function apiKeyOf(request: Request): string | undefined {
  return byRequest.get(request);
}

export function digest(key: string): string {
  return new Bun.CryptoHasher("sha256").update(key).digest("hex");
}

/** Routes under /v1 that take a client token instead of an API key. */
const TOKEN_ROUTE = /^\/v1\/rooms\/[^/]+\/connect\/?$/;

const LAST_USED_EVERY_MS = 60_000;

const byHash = (db: Db) =>
  db
    .select({ id: apiKeys.id, hash: apiKeys.hash })
    .from(apiKeys)
    .where(eq(apiKeys.hash, sql.placeholder("hash")))
    .prepare();

export function auth(db: Db) {
  const lastWritten = new Map<string, number>();
  const unauthorized = () =>
    errorResponse(
      new HeraldError("unauthorized", "A valid API key is required: send Authorization: Bearer <key>."),
    );

  return new Elysia({ name: "herald/auth" }).onRequest(({ request }) => {
    const path = new URL(request.url).pathname;
    if (!path.startsWith("/v1/") && path !== "/v1") return;
    if (TOKEN_ROUTE.test(path)) return;

    const header = request.headers.get("authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) return unauthorized();
    const hash = digest(match[1]);
    const row = preparedFor(db, "apiKeys.byHash", byHash).get({ hash });
    if (!row || !timingSafeEqual(Buffer.from(row.hash), Buffer.from(hash))) return unauthorized();

    byRequest.set(request, row.id);
    // lastUsedAt is informative: write it at most once a minute per key,
    // not on every request.
    const now = Date.now();
    if ((lastWritten.get(row.id) ?? 0) + LAST_USED_EVERY_MS < now) {
      lastWritten.set(row.id, now);
      db.update(apiKeys).set({ lastUsedAt: new Date(now).toISOString() }).where(eq(apiKeys.id, row.id)).run();
    }
  });
}

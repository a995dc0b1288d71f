// HERALD_RATE_LIMIT: at most that many API requests a second per key, as
// a token bucket per key (a burst of one second's worth, refilled
// steadily). Past it, 429 with Retry-After in whole seconds (RFC 9110
// §10.2.3). Only requests an API key authenticated count; the buckets
// live in memory, so a restart forgives everyone.

import { Elysia } from "elysia";
import { apiKeyOf } from "./auth";
import { errorResponse, HeraldError } from "./errors";

interface Bucket {
  tokens: number;
  at: number;
}

const FORGET_AFTER_MS = 60_000;

export function rateLimit(perSecond: number | undefined) {
  const plugin = new Elysia({ name: "herald/rate-limit" });
  if (perSecond === undefined) return plugin;

  const buckets = new Map<string, Bucket>();
  let sweptAt = Date.now();

  return plugin.onRequest(({ request }) => {
    const apiKeyId = apiKeyOf(request);
    if (apiKeyId === undefined) return;

    const now = Date.now();
    if (now - sweptAt > FORGET_AFTER_MS) {
      sweptAt = now;
      for (const [id, bucket] of buckets) if (now - bucket.at > FORGET_AFTER_MS) buckets.delete(id);
    }
    const bucket = buckets.get(apiKeyId) ?? { tokens: perSecond, at: now };
    bucket.tokens = Math.min(perSecond, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
    buckets.set(apiKeyId, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return;
    }

    const waitSeconds = Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
    return errorResponse(
      new HeraldError(
        "rate_limited",
        `Too many requests: this API key may make ${perSecond} a second. Retry after ${waitSeconds} s.`,
        undefined,
        { "retry-after": String(waitSeconds) },
      ),
    );
  });
}

// `Idempotency-Key` on POST (the IETF httpapi idempotency-key draft, as
// Stripe and Svix use it): per API key, a repeat with the same key and the
// same body within 24 h answers what the first request answered, and does
// nothing again; the same key with another body or path is 409, and so is
// a repeat that arrives while the first is still running.
//
// Only successful (2xx) answers are kept. A request that failed changed
// nothing, so its repeat simply runs again, which lets a client fix what
// was wrong (create the missing room, say) and retry under the same key.
// Validation runs before this layer, so invalid bodies never reach it.
//
// Secrets are never kept: a top-level `key` (a new API key) or `secret` (a
// webhook's signing secret) is left out of the stored answer, so a replay
// answers without it. Herald keeps API keys only as digests and webhook
// secrets encrypted when HERALD_SECRET_KEY is set; a clear copy here would
// undo both. A webhook's secret can be read again from its own route.

import { and, eq, lt } from "drizzle-orm";
import { Elysia, ElysiaCustomStatusResponse } from "elysia";
import type { Db } from "../db/client";
import { idempotencyKeys } from "../db/schema";
import { apiKeyOf } from "./auth";
import { HeraldError } from "./errors";

const KEEP_MS = 24 * 60 * 60 * 1000;
const PRUNE_EVERY_MS = 60 * 60 * 1000;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

const NEVER_KEPT = ["key", "secret"];

/** The answer as it is kept: JSON text with the secret fields left out. */
function keptText(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "object" && !Array.isArray(value)) {
    const kept = { ...(value as Record<string, unknown>) };
    for (const field of NEVER_KEPT) delete kept[field];
    return JSON.stringify(kept);
  }

  return JSON.stringify(value);
}

interface Pending {
  apiKeyId: string;
  key: string;
  path: string;
  bodyHash: string;
}

/** JSON with object keys sorted, so key order does not make a body "different". */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object" && !(value instanceof Uint8Array)) {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(",")}}`;
  }
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");

  return JSON.stringify(value) ?? "null";
}

export function idempotency(db: Db) {
  const pending = new WeakMap<Request, Pending>();
  const running = new Set<string>();
  let prunedAt = 0;

  const prune = (now: number) => {
    if (now - prunedAt < PRUNE_EVERY_MS) return;
    prunedAt = now;
    db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, now - KEEP_MS)).run();
  };

  return new Elysia({ name: "herald/idempotency" })
    .onBeforeHandle({ as: "global" }, ({ request, body, path }) => {
      if (request.method !== "POST") return;
      const key = request.headers.get("idempotency-key");
      const apiKeyId = apiKeyOf(request);
      if (key === null || apiKeyId === undefined) return;
      if (!KEY_PATTERN.test(key)) {
        throw new HeraldError(
          "validation_failed",
          "Idempotency-Key: must be 1 to 255 visible ASCII characters, e.g. a UUID.",
          [{ field: "Idempotency-Key", message: "must be 1 to 255 visible ASCII characters" }],
        );
      }
      const bodyHash = new Bun.CryptoHasher("sha256").update(canonical(body)).digest("hex");
      const slot = `${apiKeyId}\u0000${key}`;
      if (running.has(slot)) {
        throw new HeraldError("conflict", "A request with this Idempotency-Key is still running; retry once it has answered.");
      }

      const now = Date.now();
      prune(now);
      const kept = db
        .select()
        .from(idempotencyKeys)
        .where(and(eq(idempotencyKeys.apiKeyId, apiKeyId), eq(idempotencyKeys.key, key)))
        .get();
      if (kept && kept.createdAt > now - KEEP_MS) {
        if (kept.path !== path || kept.bodyHash !== bodyHash) {
          throw new HeraldError(
            "conflict",
            "This Idempotency-Key was already used with another request body or path; use a new key for a new request.",
          );
        }
        return new Response(kept.response === "" ? null : kept.response, {
          status: kept.status,
          headers: {
            ...(kept.response === "" ? {} : { "content-type": "application/json" }),
            "idempotent-replayed": "true",
          },
        });
      }

      running.add(slot);
      pending.set(request, { apiKeyId, key, path, bodyHash });
    })
    .onAfterHandle({ as: "global" }, ({ request, responseValue, set }) => {
      const entry = pending.get(request);
      if (!entry) return;
      let status = typeof set.status === "number" ? set.status : 200;
      let value: unknown = responseValue;
      if (value instanceof ElysiaCustomStatusResponse) {
        status = value.code;
        value = value.response;
      }
      if (status < 200 || status >= 300 || value instanceof Response) return;

      const response = keptText(value);
      db.insert(idempotencyKeys)
        .values({ ...entry, method: "POST", status, response, createdAt: Date.now() })
        .onConflictDoUpdate({
          target: [idempotencyKeys.apiKeyId, idempotencyKeys.key],
          set: { path: entry.path, bodyHash: entry.bodyHash, status, response, createdAt: Date.now() },
        })
        .run();
    })
    .onAfterResponse({ as: "global" }, ({ request }) => {
      const entry = pending.get(request);
      if (!entry) return;
      pending.delete(request);
      running.delete(`${entry.apiKeyId}\u0000${entry.key}`);
    });
}

// The shapes of webhooks on the wire, and the checks TypeBox cannot say
// well: the URL's scheme and credentials, known event types, header names
// Herald keeps for itself, and the secret's encoding.

import { t } from "elysia";
import { isKnownType } from "../../events/catalog";
import { invalid } from "../../http/errors";
import { listQuery } from "../../http/pagination";
import { CALLER_ID_PATTERN } from "../../ids";
import { secretProblem } from "../../delivery/sign";
import { headerProblem, urlProblem } from "../../delivery/wire";

export const URL_MAX = 2048;
export const HEADERS_MAX = 20;

export const WebhookParams = t.Object({
  id: t.String({ maxLength: 128, description: "The webhook's id, `wh_…`." }),
});

const Url = t.String({
  maxLength: URL_MAX,
  description:
    "Absolute http or https URL, at most 2048 characters, sent exactly as written: no credentials, whitespace, control characters or backslashes, a host written plainly, a port from 1 to 65535 and no #fragment.",
});
const Events = t.Array(t.String({ minLength: 1, maxLength: 128 }), {
  maxItems: 100,
  description: "Event types to send, built-in or `app.…`; omitted or empty means all.",
});
const RoomId = t.Union([t.String({ pattern: CALLER_ID_PATTERN }), t.Null()], {
  description: "Only events of this room; null or omitted means every room. The room need not exist yet.",
});
const Description = t.Union([t.String({ maxLength: 1024 }), t.Null()]);
const Headers = t.Record(t.String({ maxLength: 256, pattern: "^[\\s\\S]*$" }), t.String({ maxLength: 4096 }), {
  description:
    "Extra request headers, at most 20: names are RFC 9110 tokens, values printable ASCII (spaces and tabs only between characters). webhook-*, content-type, content-length, host and user-agent are Herald's.",
});
const Secret = t.String({
  maxLength: 200,
  description: "`whsec_` and the standard base64 of 24 to 64 bytes; Herald makes one when omitted.",
});
const RateLimit = t.Union([t.Integer({ minimum: 1, maximum: 100_000 }), t.Null()], {
  description: "At most this many attempts a second to this webhook; null means no limit.",
});

export const CreateWebhookBody = t.Object({
  url: Url,
  events: t.Optional(Events),
  roomId: t.Optional(RoomId),
  description: t.Optional(Description),
  headers: t.Optional(Headers),
  enabled: t.Optional(t.Boolean()),
  secret: t.Optional(Secret),
  rateLimit: t.Optional(RateLimit),
});

export const UpdateWebhookBody = t.Object({
  url: t.Optional(Url),
  events: t.Optional(Events),
  roomId: t.Optional(RoomId),
  description: t.Optional(Description),
  headers: t.Optional(Headers),
  enabled: t.Optional(t.Boolean({ description: "`true` re-enables a webhook Herald disabled and clears `disabledReason`." })),
  secret: t.Optional(Secret),
  rateLimit: t.Optional(RateLimit),
});

export const ListWebhooksQuery = t.Object({
  roomId: t.Optional(t.String({ maxLength: 128, description: "Only webhooks filtered to this room." })),
  ...listQuery,
});

export const RotateBody = t.Object({
  graceSeconds: t.Optional(
    t.Integer({
      minimum: 0,
      maximum: 30 * 86_400,
      description: "How long the old secret keeps signing beside the new one (default 86400, at most 30 days).",
    }),
  ),
  secret: t.Optional(Secret),
});

export const TestBody = t.Object({
  type: t.Optional(
    t.String({
      maxLength: 128,
      description: "The event type whose example is sent; by default the webhook's first type, else participant.joined.",
    }),
  ),
});

export const ReplayBody = t.Object({
  since: t.String({
    maxLength: 64,
    description: "Timestamp with its zone (RFC 3339), such as 2026-12-03T12:00:00Z; events at or after it are sent again.",
  }),
  until: t.Optional(
    t.String({ maxLength: 64, description: "Timestamp with its zone (RFC 3339); events before it (default now)." }),
  ),
  onlyFailed: t.Optional(t.Boolean({ description: "Only events whose last delivery to this webhook failed." })),
});

export const WebhookSchema = t.Object({
  id: t.String(),
  url: t.String(),
  events: t.Array(t.String()),
  roomId: t.Union([t.String(), t.Null()]),
  description: t.Union([t.String(), t.Null()]),
  headers: t.Record(t.String(), t.String()),
  enabled: t.Boolean(),
  disabledReason: t.Union([t.Literal("failing"), t.Literal("gone"), t.Null()], {
    description: "Why Herald disabled it: `failing` (every delivery failed for HERALD_DISABLE_AFTER) or `gone` (a 410).",
  }),
  rateLimit: t.Union([t.Integer(), t.Null()]),
  createdAt: t.String({ format: "date-time" }),
  updatedAt: t.String({ format: "date-time" }),
});

export const CreatedWebhookSchema = t.Composite([WebhookSchema, t.Object({ secret: t.String() })]);

export const WebhookPage = t.Object({ data: t.Array(WebhookSchema), nextCursor: t.Union([t.String(), t.Null()]) });

export interface Webhook {
  id: string;
  url: string;
  events: string[];
  roomId: string | null;
  description: string | null;
  headers: Record<string, string>;
  enabled: boolean;
  disabledReason: "failing" | "gone" | null;
  rateLimit: number | null;
  createdAt: string;
  updatedAt: string;
}

export function checkUrl(text: string): string {
  const problem = urlProblem(text);
  if (problem) throw invalid("url", problem);

  return text;
}

export function checkEvents(types: readonly string[]): string[] {
  for (const type of types) {
    if (!isKnownType(type)) {
      throw invalid(
        "events",
        `"${type}" is not a known event type. Use a built-in type (GET /v1/event-types) or your own app.… type.`,
      );
    }
  }

  return [...new Set(types)];
}

const RESERVED = new Set([
  "content-type",
  "content-length",
  "host",
  "user-agent",
  "connection",
  "transfer-encoding",
  "keep-alive",
  "upgrade",
  "te",
  "trailer",
  "expect",
  "accept-encoding",
]);

export function checkHeaders(headers: Record<string, string>): Record<string, string> {
  const entries = Object.entries(headers);
  if (entries.length > HEADERS_MAX) {
    throw invalid("headers", `must hold at most ${HEADERS_MAX} headers; got ${entries.length}.`);
  }
  const seen = new Set<string>();
  for (const [name, value] of entries) {
    const problem = headerProblem(name, value);
    if (problem) throw invalid("headers", problem);
    const lower = name.toLowerCase();
    if (lower.startsWith("webhook-") || RESERVED.has(lower) || lower.startsWith("proxy-")) {
      throw invalid("headers", `"${name}" is set by Herald and cannot be overridden.`);
    }
    if (seen.has(lower)) throw invalid("headers", `"${name}" is given twice.`);
    seen.add(lower);
  }

  return headers;
}

export function checkSecret(secret: string): string {
  const problem = secretProblem(secret);
  if (problem) throw invalid("secret", problem);

  return secret;
}

// The shapes of deliveries and their attempts on the wire.

import { t } from "elysia";
import { listQuery } from "../../http/pagination";
import type { attempts, deliveries } from "../../db/schema";
import type { AttemptError as AttemptErrorCode } from "../../delivery/http-client";

export const DeliveryParams = t.Object({ id: t.String({ maxLength: 128, description: "The delivery's id, `dlv_…`." }) });

const Status = t.Union([t.Literal("pending"), t.Literal("success"), t.Literal("failed")]);

export const DeliveryListQuery = t.Object({
  status: t.Optional(Status),
  eventType: t.Optional(t.String({ maxLength: 128, description: "Only deliveries of this event type." })),
  ...listQuery,
});

const AttemptError = t.Union([
  t.Literal("timeout"),
  t.Literal("connection_refused"),
  t.Literal("connection_reset"),
  t.Literal("dns"),
  t.Literal("tls"),
  t.Literal("redirect"),
  t.Literal("blocked_address"),
  t.Literal("http_status"),
]);

export const DeliverySchema = t.Object({
  id: t.String(),
  webhookId: t.String(),
  eventId: t.String(),
  eventType: t.String(),
  status: Status,
  attemptCount: t.Integer(),
  lastStatusCode: t.Union([t.Integer(), t.Null()], { description: "The last attempt's HTTP status; 0 when no answer came." }),
  lastError: t.Union([AttemptError, t.Null()]),
  nextAttemptAt: t.Union([t.String({ format: "date-time" }), t.Null()]),
  test: t.Boolean({ description: "Sent by POST /v1/webhooks/:id/test; its event is not in the log." }),
  createdAt: t.String({ format: "date-time" }),
  updatedAt: t.String({ format: "date-time" }),
});

export const AttemptSchema = t.Object({
  id: t.String(),
  startedAt: t.String({ format: "date-time" }),
  durationMs: t.Integer(),
  statusCode: t.Integer({ description: "0 when no answer came." }),
  responseBody: t.Union([
    t.String({
      description:
        "The first 4 KiB of the answer. When Herald refused to send (`blocked_address`) because the stored url or headers cannot be sent as they are, the reason.",
    }),
    t.Null(),
  ]),
  error: t.Union([AttemptError, t.Null()]),
  trigger: t.Union([t.Literal("scheduled"), t.Literal("manual")]),
});

export const DeliveryDetailSchema = t.Composite([
  DeliverySchema,
  t.Object({ attempts: t.Array(AttemptSchema, { description: "Oldest first." }) }),
]);

export const DeliveryPage = t.Object({ data: t.Array(DeliverySchema), nextCursor: t.Union([t.String(), t.Null()]) });

type DeliveryRow = typeof deliveries.$inferSelect;
type AttemptRow = typeof attempts.$inferSelect;

export type Delivery = ReturnType<typeof toDelivery>;

export function toDelivery(row: DeliveryRow) {
  return {
    id: row.id,
    webhookId: row.webhookId,
    eventId: row.eventId,
    eventType: row.eventType,
    status: row.status,
    attemptCount: row.attemptCount,
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError as AttemptErrorCode | null,
    nextAttemptAt: row.nextAttemptAt,
    test: row.test,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function toAttempt(row: AttemptRow) {
  return {
    id: row.id,
    startedAt: row.startedAt,
    durationMs: row.durationMs,
    statusCode: row.statusCode,
    responseBody: row.responseBody,
    error: row.error as AttemptErrorCode | null,
    trigger: row.trigger,
  };
}

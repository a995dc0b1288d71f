// The shapes of events on the wire: the envelope, and the deliveries and
// executions an event caused as the event's detail view shows them.

import { t } from "elysia";
import { CALLER_ID_PATTERN } from "../../ids";
import { JsonObject } from "../../http/schemas";

/** An app event's `data` may be at most this much JSON (64 KiB). */
export const DATA_LIMIT_BYTES = 64 * 1024;

export const Envelope = t.Object({
  id: t.String({ description: "`evt_…`" }),
  type: t.String(),
  timestamp: t.String({ format: "date-time" }),
  roomId: t.String(),
  sequence: t.Integer({ description: "Rises strictly within a room." }),
  data: JsonObject(),
});

export const DeliverySummary = t.Object({
  id: t.String(),
  webhookId: t.String(),
  eventId: t.String(),
  eventType: t.String(),
  status: t.String({ description: "`pending`, `success` or `failed`." }),
  attemptCount: t.Integer(),
  lastStatusCode: t.Union([t.Integer(), t.Null()]),
  lastError: t.Union([t.String(), t.Null()]),
  nextAttemptAt: t.Union([t.String(), t.Null()]),
  test: t.Boolean(),
  createdAt: t.String({ format: "date-time" }),
  updatedAt: t.String({ format: "date-time" }),
});

export const ExecutionSummary = t.Object({
  id: t.String(),
  workflowId: t.String(),
  workflowVersion: t.Integer(),
  eventId: t.String(),
  eventType: t.String(),
  roomId: t.String(),
  status: t.String({ description: "`pending`, `running`, `success`, `failed` or `timeout`." }),
  startedAt: t.Union([t.String(), t.Null()]),
  finishedAt: t.Union([t.String(), t.Null()]),
  durationMs: t.Union([t.Integer(), t.Null()]),
  logs: t.Array(t.Unknown()),
  error: t.Unknown(),
  result: t.Unknown(),
  fetches: t.Array(t.Unknown()),
  test: t.Boolean(),
  createdAt: t.String({ format: "date-time" }),
});

export const EventDetail = t.Composite([
  Envelope,
  t.Object({ deliveries: t.Array(DeliverySummary), executions: t.Array(ExecutionSummary) }),
]);

const TypeFilter = t.String({
  maxLength: 1024,
  description: "Only these types: one, or several separated by commas.",
});
const RoomFilter = t.String({ pattern: CALLER_ID_PATTERN, description: "Only events of this room." });

export const EventFilters = { type: t.Optional(TypeFilter), roomId: t.Optional(RoomFilter) };

export const PublishBody = t.Object({
  type: t.String({
    maxLength: 128,
    description: "`app.` and dot-separated words of A-Z a-z 0-9 _ -, e.g. `app.document.published`.",
  }),
  roomId: t.String({ pattern: CALLER_ID_PATTERN, description: "An existing room's id." }),
  data: JsonObject({ description: "A JSON object of at most 64 KiB." }),
});

/** Parses the comma-separated `type` filter into a list; empty means every type. */
export function typeList(text: string | undefined): string[] {
  if (!text) return [];

  return text
    .split(",")
    .map((type) => type.trim())
    .filter((type) => type !== "");
}

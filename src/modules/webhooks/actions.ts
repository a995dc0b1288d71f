// Work a webhook can be asked to do: send a test event, and replay a
// stretch of the event log. Both queue deliveries like the recorder does;
// the delivery engine sends them.

import { and, asc, eq, gte, inArray, lt, type SQL, sql } from "drizzle-orm";
import type { Herald } from "../../context";
import { events } from "../../db/schema";
import { EVENT_TYPES, eventType, isKnownType } from "../../events/catalog";
import type { Envelope } from "../../events/envelope";
import { conflict, invalid } from "../../http/errors";
import { newId, nowIso } from "../../ids";
import { log } from "../../log";
import { type Delivery, toDelivery } from "../deliveries/model";
import { queueDelivery } from "../deliveries/service";
import { checkTime } from "./time";
import { type WebhookRow, webhookRow } from "./service";

/** The room a test event names when the webhook is not filtered to one. */
const EXAMPLE_ROOM = "design-review";

function enabledRow(herald: Herald, id: string, doing: string): WebhookRow {
  const row = webhookRow(herald, id);
  if (!row.enabled) {
    throw conflict(`The webhook is disabled, so it cannot ${doing}. Enable it with PATCH enabled: true first.`);
  }

  return row;
}

/**
 * Sends the example of an event type to this webhook only. The event is
 * not stored in the log; its envelope lives on the delivery, so retries
 * send the same bytes.
 */
export function sendTest(herald: Herald, id: string, input: { type?: string }): Delivery {
  const row = enabledRow(herald, id, "receive a test event");
  const filter: string[] = JSON.parse(row.events);
  const type = input.type ?? filter[0] ?? EVENT_TYPES[0].type;
  if (!isKnownType(type)) {
    throw invalid("type", `"${type}" is not a known event type. Use a built-in type (GET /v1/event-types) or your own app.… type.`);
  }
  const now = Date.now();
  const envelope: Envelope = {
    id: newId("evt"),
    type,
    timestamp: nowIso(now),
    roomId: row.roomId ?? EXAMPLE_ROOM,
    // No stored event has sequence 0: a receiver can tell a test apart.
    sequence: 0,
    data: eventType(type)?.example ?? { message: "A test event from Herald.", test: true },
  };
  const delivery = herald.db.transaction((tx) =>
    queueDelivery(tx, {
      webhookId: id,
      eventId: envelope.id,
      eventType: type,
      now,
      payload: JSON.stringify(envelope),
    }),
  );
  herald.runner.nudge([{ kind: "deliver", group: id }]);
  log.info("webhook test queued", { webhookId: id, deliveryId: delivery.id, eventType: type });

  return toDelivery(delivery);
}

/**
 * Every stored event in [since, until) that matches the webhook's current
 * filters becomes a new delivery, events from before the webhook existed
 * included. `onlyFailed` keeps the events whose latest delivery to this
 * webhook failed.
 */
export function replay(
  herald: Herald,
  id: string,
  input: { since: string; until?: string; onlyFailed?: boolean },
): { queued: number } {
  const row = enabledRow(herald, id, "replay events");
  const since = checkTime("since", input.since);
  const until = input.until === undefined ? undefined : checkTime("until", input.until);
  if (until !== undefined && until <= since) throw invalid("until", "must be later than since.");

  const types: string[] = JSON.parse(row.events);
  const conditions: Array<SQL | undefined> = [gte(events.timestamp, since)];
  if (until !== undefined) conditions.push(lt(events.timestamp, until));
  if (types.length > 0) conditions.push(inArray(events.type, types));
  if (row.roomId !== null) conditions.push(eq(events.roomId, row.roomId));
  if (input.onlyFailed) {
    conditions.push(sql`(
      SELECT d.status FROM deliveries d
      WHERE d.webhook_id = ${id} AND d.event_id = ${events.id}
      ORDER BY d.created_at DESC, d.id DESC LIMIT 1
    ) = 'failed'`);
  }

  const now = Date.now();
  const queued = herald.db.transaction((tx) => {
    const matched = tx
      .select({ id: events.id, type: events.type })
      .from(events)
      .where(and(...conditions))
      .orderBy(asc(events.seq))
      .all();
    for (const event of matched) {
      queueDelivery(tx, { webhookId: id, eventId: event.id, eventType: event.type, now });
    }
    return matched.length;
  });
  if (queued > 0) herald.runner.nudge([{ kind: "deliver", group: id }]);
  log.info("webhook replay queued", { webhookId: id, queued, onlyFailed: input.onlyFailed ?? false });

  return { queued };
}

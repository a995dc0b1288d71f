// Reading the event log and publishing the team's own app events. The
// log is ordered by `seq`, the order events were stored in, which is
// newest first in lists.

import { and, desc, eq, inArray, lt } from "drizzle-orm";
import type { Herald } from "../../context";
import { deliveries, events, executions } from "../../db/schema";
import { APP_EVENT_PATTERN, eventType } from "../../events/catalog";
import type { Envelope } from "../../events/envelope";
import { HeraldError, invalid, notFound } from "../../http/errors";
import { decodeCursor, type Page, toPage } from "../../http/pagination";
import { toDelivery } from "../deliveries/model";
import { toExecution } from "../executions/model";
import { requireRoom } from "../rooms/queries";
import { DATA_LIMIT_BYTES } from "./model";

export interface EventQuery {
  types: string[];
  roomId?: string;
  limit: number;
  cursor?: string;
}

/** A cursor of this list names an event's `seq`; anything else is a 422. */
function seqOf(cursor: string | undefined): number | undefined {
  const decoded = decodeCursor(cursor);
  if (!decoded) return undefined;
  const seq = Number(decoded.at);
  if (!Number.isSafeInteger(seq)) {
    throw invalid("cursor", "is not a cursor this list gave out.");
  }

  return seq;
}

export function listEvents(herald: Herald, query: EventQuery): Page<Envelope> {
  const before = seqOf(query.cursor);
  const rows = herald.db
    .select({ seq: events.seq, id: events.id, payload: events.payload })
    .from(events)
    .where(
      and(
        query.types.length > 0 ? inArray(events.type, query.types) : undefined,
        query.roomId !== undefined ? eq(events.roomId, query.roomId) : undefined,
        before !== undefined ? lt(events.seq, before) : undefined,
      ),
    )
    .orderBy(desc(events.seq))
    .limit(query.limit + 1)
    .all();

  return toPage(rows, query.limit, (row) => [row.seq, row.id], (row) => JSON.parse(row.payload) as Envelope);
}

export function getEvent(herald: Herald, id: string) {
  const row = herald.db.select({ payload: events.payload }).from(events).where(eq(events.id, id)).get();
  if (!row) throw notFound(`Event ${id}`);
  const envelope = JSON.parse(row.payload) as Envelope;

  const caused = herald.db.select().from(deliveries).where(eq(deliveries.eventId, id)).all();
  const ran = herald.db.select().from(executions).where(eq(executions.eventId, id)).all();

  const byCreation = (a: { createdAt: string }, b: { createdAt: string }) =>
    a.createdAt.localeCompare(b.createdAt);

  return {
    ...envelope,
    deliveries: caused.sort(byCreation).map(toDelivery),
    executions: ran.sort(byCreation).map(toExecution),
  };
}

/**
 * Stores an app event and fans it out like any other. Built-in types are
 * Herald's own to fire, so only `app.…` is accepted; the room is checked in
 * the same transaction the event is stored in.
 */
export function publishAppEvent(
  herald: Herald,
  input: { type: string; roomId: string; data: Record<string, unknown> },
): Envelope {
  if (eventType(input.type)) {
    throw invalid("type", `${input.type} is a built-in type that only Herald fires; app events start with "app.".`);
  }
  if (!APP_EVENT_PATTERN.test(input.type)) {
    throw invalid(
      "type",
      'must start with "app." followed by dot-separated words of A-Z a-z 0-9 _ -, e.g. app.document.published.',
    );
  }
  const size = Buffer.byteLength(JSON.stringify(input.data));
  if (size > DATA_LIMIT_BYTES) {
    throw new HeraldError(
      "payload_too_large",
      `data: must be at most ${DATA_LIMIT_BYTES} bytes of JSON; this one is ${size} bytes.`,
      [{ field: "data", message: `must be at most ${DATA_LIMIT_BYTES} bytes of JSON` }],
    );
  }

  return herald.events.transaction((_tx, emit) => {
    // herald.db, not the transaction handle: on SQLite it is the same
    // connection, and the database handle has the lookup prepared.
    requireRoom(herald.db, input.roomId);
    return emit({ type: input.type, roomId: input.roomId, data: input.data });
  });
}

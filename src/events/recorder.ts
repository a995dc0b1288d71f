// Records events and fans them out. An event, its webhook deliveries and
// its workflow executions are written in one transaction, with the jobs
// that will carry them out, so once the caller has answered the work
// cannot be lost. Only after the commit are listeners told (the live
// stream) and the job runner nudged.

import { and, eq, sql } from "drizzle-orm";
import type { Db, Tx } from "../db/client";
import { deliveries, events, executions, roomSequences, webhooks, workflows } from "../db/schema";
import { newId, nowIso } from "../ids";
import { enqueue } from "../jobs/queue";
import { log } from "../log";
import { type Envelope, type EventInput, matches } from "./envelope";

export type Emit = (input: EventInput) => Envelope;
export type Listener = (event: Envelope) => void;

export class EventRecorder {
  private readonly listeners = new Set<Listener>();
  private nudge: () => void = () => {};

  constructor(private readonly db: Db) {}

  /** Called once the job runner exists. */
  onWorkQueued(nudge: () => void): void {
    this.nudge = nudge;
  }

  /**
   * Runs `fn` in one transaction; every event it emits is stored with its
   * deliveries and executions in that transaction, and announced only once
   * the transaction has committed.
   */
  transaction<T>(fn: (tx: Tx, emit: Emit) => T): T {
    const emitted: Envelope[] = [];
    const result = this.db.transaction((tx) =>
      fn(tx, (input) => {
        const envelope = this.store(tx, input);
        emitted.push(envelope);
        return envelope;
      }),
    );
    if (emitted.length > 0) this.announce(emitted);

    return result;
  }

  /** Stores one event and fans it out in its own transaction. */
  publish(input: EventInput): Envelope {
    return this.transaction((_tx, emit) => emit(input));
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private store(tx: Tx, input: EventInput): Envelope {
    const now = Date.now();
    const sequence = tx
      .insert(roomSequences)
      .values({ roomId: input.roomId, last: 1 })
      .onConflictDoUpdate({ target: roomSequences.roomId, set: { last: sql`${roomSequences.last} + 1` } })
      .returning({ last: roomSequences.last })
      .get().last;
    const envelope: Envelope = {
      id: newId("evt"),
      type: input.type,
      timestamp: nowIso(now),
      roomId: input.roomId,
      sequence,
      data: input.data,
    };
    const payload = JSON.stringify(envelope);
    tx.insert(events)
      .values({
        id: envelope.id,
        type: envelope.type,
        roomId: envelope.roomId,
        sequence,
        timestamp: envelope.timestamp,
        payload,
      })
      .run();
    this.fanOut(tx, envelope, now);

    return envelope;
  }

  private fanOut(tx: Tx, envelope: Envelope, now: number): void {
    const at = nowIso(now);
    const hooks = tx.select().from(webhooks).where(eq(webhooks.enabled, true)).all();
    for (const hook of hooks) {
      if (!matches({ events: JSON.parse(hook.events), roomId: hook.roomId }, envelope)) continue;
      const id = newId("dlv");
      tx.insert(deliveries)
        .values({
          id,
          webhookId: hook.id,
          eventId: envelope.id,
          eventType: envelope.type,
          status: "pending",
          nextAttemptAt: at,
          createdAt: at,
          updatedAt: at,
        })
        .run();
      enqueue(tx, { kind: "deliver", refId: id, groupKey: hook.id, runAt: now });
    }

    const flows = tx
      .select({ id: workflows.id, version: workflows.version, events: workflows.events, roomId: workflows.roomId })
      .from(workflows)
      .where(and(eq(workflows.enabled, true)))
      .all();
    for (const flow of flows) {
      if (!matches({ events: JSON.parse(flow.events), roomId: flow.roomId }, envelope)) continue;
      const id = newId("exe");
      tx.insert(executions)
        .values({
          id,
          workflowId: flow.id,
          workflowVersion: flow.version,
          eventId: envelope.id,
          eventType: envelope.type,
          roomId: envelope.roomId,
          status: "pending",
          createdAt: at,
        })
        .run();
      enqueue(tx, { kind: "execute", refId: id, groupKey: flow.id, runAt: now });
    }
  }

  private announce(emitted: Envelope[]): void {
    this.nudge();
    for (const event of emitted) {
      for (const listener of this.listeners) {
        try {
          listener(event);
        } catch (error) {
          log.warn("event listener failed", { eventId: event.id, error: String(error) });
        }
      }
    }
  }
}

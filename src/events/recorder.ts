// Records events and fans them out. An event, its webhook deliveries and
// its workflow executions are written in one transaction, with the jobs
// that will carry them out, so once the caller has answered the work
// cannot be lost. Only after the commit are listeners told (the live
// stream) and the job runner nudged.

import { eq, sql } from "drizzle-orm";
import type { Db, Tx } from "../db/client";
import { deliveries, events, executions, roomSequences, webhooks, workflows } from "../db/schema";
import { newId, nowIso } from "../ids";
import { enqueue, type JobKind } from "../jobs/queue";
import { log } from "../log";
import { type Envelope, type EventInput, matches } from "./envelope";

export type Emit = (input: EventInput) => Envelope;
/** Work an event queued: which kind of job, for which group. */
export type QueuedWork = { kind: JobKind; group: string };
export type Listener = (event: Envelope) => void;

export class EventRecorder {
  private readonly listeners = new Set<Listener>();
  private nudge: (work: QueuedWork[]) => void = () => {};

  private readonly statements: ReturnType<typeof prepareStatements>;

  constructor(private readonly db: Db) {
    this.statements = prepareStatements(db);
  }

  /** Called once the job runner exists. */
  onWorkQueued(nudge: (work: QueuedWork[]) => void): void {
    this.nudge = nudge;
  }

  /**
   * Runs `fn` in one transaction; every event it emits is stored with its
   * deliveries and executions in that transaction, and announced only once
   * the transaction has committed.
   */
  transaction<T>(fn: (tx: Tx, emit: Emit) => T): T {
    const emitted: Envelope[] = [];
    const queued: QueuedWork[] = [];
    const result = this.db.transaction((tx) =>
      fn(tx, (input) => {
        const envelope = this.store(tx, input, queued);
        emitted.push(envelope);
        return envelope;
      }),
    );
    if (emitted.length > 0) this.announce(emitted, queued);

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

  private store(_tx: Tx, input: EventInput, queued: QueuedWork[]): Envelope {
    // The statements were prepared on this.db; SQLite has one connection,
    // so they run inside the transaction that is open on it.
    const q = this.statements;
    const now = Date.now();
    const sequence = q.nextSequence.get({ roomId: input.roomId })!.last;
    const envelope: Envelope = {
      id: newId("evt"),
      type: input.type,
      timestamp: nowIso(now),
      roomId: input.roomId,
      sequence,
      data: input.data,
    };
    q.insertEvent.run({
      id: envelope.id,
      type: envelope.type,
      roomId: envelope.roomId,
      sequence,
      timestamp: envelope.timestamp,
      payload: JSON.stringify(envelope),
    });
    this.fanOut(envelope, now, queued);

    return envelope;
  }

  private fanOut(envelope: Envelope, now: number, queued: QueuedWork[]): void {
    const q = this.statements;
    const at = nowIso(now);
    for (const hook of q.enabledWebhooks.all()) {
      if (!matches({ events: JSON.parse(hook.events), roomId: hook.roomId }, envelope)) continue;
      const id = newId("dlv");
      q.insertDelivery.run({ id, webhookId: hook.id, eventId: envelope.id, eventType: envelope.type, at });
      enqueue(this.db, { kind: "deliver", refId: id, groupKey: hook.id, runAt: now });
      queued.push({ kind: "deliver", group: hook.id });
    }
    for (const flow of q.enabledWorkflows.all()) {
      if (!matches({ events: JSON.parse(flow.events), roomId: flow.roomId }, envelope)) continue;
      const id = newId("exe");
      q.insertExecution.run({
        id,
        workflowId: flow.id,
        workflowVersion: flow.version,
        eventId: envelope.id,
        eventType: envelope.type,
        roomId: envelope.roomId,
        at,
      });
      enqueue(this.db, { kind: "execute", refId: id, groupKey: flow.id, runAt: now });
      queued.push({ kind: "execute", group: flow.id });
    }
  }

  private announce(emitted: Envelope[], queued: QueuedWork[]): void {
    this.nudge(queued);
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

const p = (name: string) => sql.placeholder(name);

/** Every event runs these; they are prepared once. */
function prepareStatements(db: Db) {
  return {
    nextSequence: db
      .insert(roomSequences)
      .values({ roomId: p("roomId"), last: 1 })
      .onConflictDoUpdate({ target: roomSequences.roomId, set: { last: sql`${roomSequences.last} + 1` } })
      .returning({ last: roomSequences.last })
      .prepare(),
    insertEvent: db
      .insert(events)
      .values({
        id: p("id"),
        type: p("type"),
        roomId: p("roomId"),
        sequence: p("sequence"),
        timestamp: p("timestamp"),
        payload: p("payload"),
      })
      .prepare(),
    enabledWebhooks: db
      .select({ id: webhooks.id, events: webhooks.events, roomId: webhooks.roomId })
      .from(webhooks)
      .where(eq(webhooks.enabled, true))
      .prepare(),
    enabledWorkflows: db
      .select({ id: workflows.id, version: workflows.version, events: workflows.events, roomId: workflows.roomId })
      .from(workflows)
      .where(eq(workflows.enabled, true))
      .prepare(),
    insertDelivery: db
      .insert(deliveries)
      .values({
        id: p("id"),
        webhookId: p("webhookId"),
        eventId: p("eventId"),
        eventType: p("eventType"),
        status: "pending",
        nextAttemptAt: p("at"),
        createdAt: p("at"),
        updatedAt: p("at"),
      })
      .prepare(),
    insertExecution: db
      .insert(executions)
      .values({
        id: p("id"),
        workflowId: p("workflowId"),
        workflowVersion: p("workflowVersion"),
        eventId: p("eventId"),
        eventType: p("eventType"),
        roomId: p("roomId"),
        status: "pending",
        createdAt: p("at"),
      })
      .prepare(),
  };
}

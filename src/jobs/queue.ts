// The job table's operations, each one statement or one transaction:
// enqueue, claim (with a lease), complete, reschedule, release. Nothing
// else in Herald touches the `jobs` table, so moving the queue to another
// database means writing this module again and nothing more.

import { and, asc, eq, inArray, isNotNull, isNull, lt, lte, min, notInArray, or, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../db/client";
import { jobs } from "../db/schema";

export type JobKind = "deliver" | "execute";
export type JobTrigger = "scheduled" | "manual";

export interface Job {
  id: number;
  kind: JobKind;
  refId: string;
  groupKey: string;
  trigger: JobTrigger;
  runAt: number;
  lockedUntil: number | null;
}

export interface EnqueueInput {
  kind: JobKind;
  refId: string;
  groupKey: string;
  runAt: number;
  trigger?: JobTrigger;
}

/** Adds a job; pass the transaction that writes the work's own row. */
export function enqueue(tx: DbOrTx, input: EnqueueInput): void {
  tx.insert(jobs)
    .values({
      kind: input.kind,
      refId: input.refId,
      groupKey: input.groupKey,
      trigger: input.trigger ?? "scheduled",
      runAt: input.runAt,
      createdAt: Date.now(),
    })
    .run();
}

export interface ClaimOptions {
  kind: JobKind;
  now: number;
  limit: number;
  leaseMs: number;
  /** Groups at their concurrency cap: their jobs stay for later. */
  skipGroups?: readonly string[];
  /** Work already in flight: a second job for it waits its turn. */
  skipRefs?: readonly string[];
}

/**
 * Takes up to `limit` due, unclaimed jobs, oldest due first, and leases
 * them until `now + leaseMs`. One UPDATE … RETURNING, so two claimers can
 * never take the same row.
 */
export function claim(db: Db, options: ClaimOptions): Job[] {
  if (options.limit <= 0) return [];
  const conditions = [
    eq(jobs.kind, options.kind),
    isNull(jobs.lockedUntil),
    lte(jobs.runAt, options.now),
  ];
  if (options.skipGroups?.length) conditions.push(notInArray(jobs.groupKey, [...options.skipGroups]));
  if (options.skipRefs?.length) conditions.push(notInArray(jobs.refId, [...options.skipRefs]));

  const due = db
    .select({ id: jobs.id })
    .from(jobs)
    .where(and(...conditions))
    .orderBy(asc(jobs.runAt), asc(jobs.id))
    .limit(options.limit);

  const claimed = db
    .update(jobs)
    .set({ lockedUntil: options.now + options.leaseMs })
    .where(inArray(jobs.id, due))
    .returning()
    .all() as Job[];

  // RETURNING gives rows in no promised order; hand them out oldest first.
  return claimed.sort((a, b) => a.runAt - b.runAt || a.id - b.id);
}

/** The work is finished (whatever its outcome): the job goes away. */
export function complete(tx: DbOrTx, id: number): void {
  tx.delete(jobs).where(eq(jobs.id, id)).run();
}

/** The work must run again at `runAt` (a retry): the lease is dropped. */
export function reschedule(tx: DbOrTx, id: number, runAt: number, trigger: JobTrigger = "scheduled"): void {
  tx.update(jobs).set({ runAt, lockedUntil: null, trigger }).where(eq(jobs.id, id)).run();
}

/** Drops every job for a delivery or execution (deleted or cancelled). */
export function cancel(tx: DbOrTx, refIds: readonly string[]): void {
  if (refIds.length === 0) return;
  tx.delete(jobs).where(inArray(jobs.refId, [...refIds])).run();
}

/** Drops every job of a concurrency group (a deleted webhook). */
export function cancelGroup(tx: DbOrTx, groupKey: string): void {
  tx.delete(jobs).where(eq(jobs.groupKey, groupKey)).run();
}

/**
 * Leases that ran out belong to work that never finished: a claimer that
 * died. The work is due again now. At start, every lease is expired, since
 * no claimer of an earlier process is alive.
 */
export function releaseExpired(db: DbOrTx, now: number, all = false): number {
  const expired = all ? isNotNull(jobs.lockedUntil) : lt(jobs.lockedUntil, now);
  const result = db
    .update(jobs)
    .set({ lockedUntil: null, runAt: sql`min(${jobs.runAt}, ${now})` })
    .where(and(isNotNull(jobs.lockedUntil), expired))
    .run() as unknown as { changes: number };

  return result.changes;
}

/** When the next unclaimed job of a kind is due, or null if none waits. */
export function nextDue(db: Db, kind: JobKind): number | null {
  const row = db
    .select({ next: min(jobs.runAt) })
    .from(jobs)
    .where(and(eq(jobs.kind, kind), isNull(jobs.lockedUntil)))
    .get();

  return row?.next ?? null;
}

/** Jobs waiting or in flight, for metrics and the tests. */
export function depth(db: Db, kind?: JobKind): number {
  const row = db
    .select({ n: sql<number>`count(*)` })
    .from(jobs)
    .where(kind ? eq(jobs.kind, kind) : or(eq(jobs.kind, "deliver"), eq(jobs.kind, "execute")))
    .get();

  return row?.n ?? 0;
}

// The job table's operations, each one statement or one transaction:
// enqueue, claim (with a lease), complete, reschedule, release. Nothing
// else in Herald touches the `jobs` table, so moving the queue to another
// database means writing this module again and nothing more.

import { and, asc, eq, inArray, isNotNull, isNull, lt, lte, min, or, sql } from "drizzle-orm";
import { SQLiteTransaction } from "drizzle-orm/sqlite-core";
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

/**
 * Adds a job; pass the transaction that writes the work's own row. On
 * SQLite there is one connection, so a database handle used inside an open
 * db.transaction() writes in that transaction too; handed one, enqueue
 * uses its prepared statement (the event recorder's hot path does this).
 */
export function enqueue(tx: DbOrTx, input: EnqueueInput): void {
  const values = {
    kind: input.kind,
    refId: input.refId,
    groupKey: input.groupKey,
    trigger: input.trigger ?? "scheduled",
    runAt: input.runAt,
    createdAt: Date.now(),
  };
  if (tx instanceof SQLiteTransaction) tx.insert(jobs).values(values).run();
  else prepared(tx as Db).enqueue.run(values);
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
  /** At most this many jobs of one group in flight, counting `inFlight`. */
  groupCap?: number;
  /** Jobs of each group already in flight. */
  inFlight?: Readonly<Record<string, number>>;
}

/** How many due rows one claim looks at, per job it may take. */
const SCAN_FACTOR = 4;

const p = (name: string) => sql.placeholder(name);

/**
 * The runner's statements, prepared once per database: it runs them on
 * every step, and building and compiling a query afresh costs more than
 * running it. The skip lists travel as one JSON array each, read with
 * json_each, so a statement fits lists of any length.
 */
function prepare(db: Db) {
  // The oldest due rows (a bounded window), numbered within their group,
  // and of those only as many per group as its cap still allows: one claim
  // never takes more of a webhook's jobs than it may run, so nothing has
  // to be handed back, and a busy group cannot fill the claim.
  const due = sql`(
    SELECT id FROM (
      SELECT id, run_at, group_key,
        row_number() OVER (PARTITION BY group_key ORDER BY run_at, id) AS rank
      FROM (
        SELECT ${jobs.id} AS id, ${jobs.runAt} AS run_at, ${jobs.groupKey} AS group_key
        FROM ${jobs}
        WHERE ${jobs.kind} = ${p("kind")}
          AND ${jobs.lockedUntil} IS NULL
          AND ${jobs.runAt} <= ${p("now")}
          AND ${jobs.groupKey} NOT IN (SELECT value FROM json_each(${p("skipGroups")}))
          AND ${jobs.refId} NOT IN (SELECT value FROM json_each(${p("skipRefs")}))
        ORDER BY ${jobs.runAt}, ${jobs.id}
        LIMIT ${p("scan")}
      )
    )
    WHERE rank <= ${p("groupCap")} - coalesce(json_extract(${p("inFlight")}, '$."' || group_key || '"'), 0)
    ORDER BY run_at, id
    LIMIT ${p("limit")}
  )`;

  return {
    enqueue: db
      .insert(jobs)
      .values({
        kind: sql`${p("kind")}`,
        refId: p("refId"),
        groupKey: p("groupKey"),
        trigger: sql`${p("trigger")}`,
        runAt: p("runAt"),
        createdAt: p("createdAt"),
      })
      .prepare(),
    claim: db
      .update(jobs)
      .set({ lockedUntil: sql`${p("until")}` })
      .where(inArray(jobs.id, due))
      .returning()
      .prepare(),
    complete: db.delete(jobs).where(eq(jobs.id, p("id"))).prepare(),
    reschedule: db
      .update(jobs)
      .set({ runAt: sql`${p("runAt")}`, lockedUntil: null, trigger: sql`${p("trigger")}` })
      .where(eq(jobs.id, p("id")))
      .prepare(),
    nextDue: db
      .select({ next: min(jobs.runAt) })
      .from(jobs)
      .where(and(eq(jobs.kind, sql`${p("kind")}`), isNull(jobs.lockedUntil)))
      .prepare(),
  };
}

const statements = new WeakMap<Db, ReturnType<typeof prepare>>();

function prepared(db: Db) {
  let found = statements.get(db);
  if (!found) {
    found = prepare(db);
    statements.set(db, found);
  }

  return found;
}

/**
 * Takes up to `limit` due, unclaimed jobs, oldest due first, and leases
 * them until `now + leaseMs`. One UPDATE … RETURNING, so two claimers can
 * never take the same row.
 */
export function claim(db: Db, options: ClaimOptions): Job[] {
  if (options.limit <= 0) return [];
  const claimed = prepared(db).claim.all({
    kind: options.kind,
    now: options.now,
    limit: options.limit,
    scan: options.limit * SCAN_FACTOR,
    groupCap: options.groupCap ?? Number.MAX_SAFE_INTEGER,
    inFlight: JSON.stringify(options.inFlight ?? {}),
    until: options.now + options.leaseMs,
    skipGroups: JSON.stringify(options.skipGroups ?? []),
    skipRefs: JSON.stringify(options.skipRefs ?? []),
  }) as Job[];

  // RETURNING gives rows in no promised order; hand them out oldest first.
  return claimed.sort((a, b) => a.runAt - b.runAt || a.id - b.id);
}

/** The work is finished (whatever its outcome): the job goes away. */
export function complete(db: Db, id: number): void {
  prepared(db).complete.run({ id });
}

/** The work must run again at `runAt` (a retry): the lease is dropped. */
export function reschedule(db: Db, id: number, runAt: number, trigger: JobTrigger = "scheduled"): void {
  prepared(db).reschedule.run({ id, runAt, trigger });
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
  const row = prepared(db).nextDue.get({ kind });

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

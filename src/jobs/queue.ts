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
  /** Only this group's jobs (read through the group index). */
  group?: string;
}

/** How many due rows one claim looks at, per job it may take. */
const SCAN_FACTOR = 2;
/** And never more than this many: the window's cost is bounded. */
const MAX_SCAN = 256;

const p = (name: string) => sql.placeholder(name);

/**
 * The runner's statements, prepared once per database: it runs them on
 * every step, and building and compiling a query afresh costs more than
 * running it. The skip lists travel as one JSON array each, read with
 * json_each, so a statement fits lists of any length.
 */
function prepare(db: Db) {
  // The oldest due rows, a bounded window of them: reading them costs the
  // same whatever the backlog. The caps are applied to them in claim();
  // a window function doing it in SQL cost several times the read.
  const candidates = (filter: "none" | "skipGroups" | "group") =>
    db
      .select({ id: jobs.id, groupKey: jobs.groupKey, refId: jobs.refId })
      .from(jobs)
      .where(
        and(
          eq(jobs.kind, sql`${p("kind")}`),
          filter === "group" ? eq(jobs.groupKey, sql`${p("group")}`) : undefined,
          isNull(jobs.lockedUntil),
          lte(jobs.runAt, sql`${p("now")}`),
          filter === "skipGroups"
            ? sql`${jobs.groupKey} NOT IN (SELECT value FROM json_each(${p("skipGroups")}))`
            : undefined,
        ),
      )
      .orderBy(asc(jobs.runAt), asc(jobs.id))
      .limit(sql`${p("scan")}` as unknown as number)
      .prepare();

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
    candidates: candidates("none"),
    candidatesSkipping: candidates("skipGroups"),
    candidatesOfGroup: candidates("group"),
    // `locked_until IS NULL` again: a row leased since it was read stays
    // with its claimer.
    lease: db
      .update(jobs)
      .set({ lockedUntil: sql`${p("until")}` })
      .where(and(sql`${jobs.id} IN (SELECT value FROM json_each(${p("ids")}))`, isNull(jobs.lockedUntil)))
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
      .where(and(eq(jobs.kind, sql`${p("kind")}`), isNull(jobs.lockedUntil), sql`${jobs.runAt} > ${p("after")}`))
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
 * them until `now + leaseMs`. The lease is one UPDATE … RETURNING that
 * takes only rows still unclaimed, so two claimers never share a row.
 */
export function claim(db: Db, options: ClaimOptions): Job[] {
  if (options.limit <= 0) return [];
  const statements = prepared(db);
  const scan = Math.min(options.limit * SCAN_FACTOR, MAX_SCAN);
  const base = { kind: options.kind, now: options.now, scan };
  const rows =
    options.group !== undefined
      ? statements.candidatesOfGroup.all({ ...base, group: options.group })
      : (options.skipGroups?.length ?? 0) > 0
        ? statements.candidatesSkipping.all({ ...base, skipGroups: JSON.stringify(options.skipGroups) })
        : statements.candidates.all(base);

  // Within the window: at most one job per piece of work, and no more of a
  // group than its cap still allows (counting what is in flight).
  const cap = options.groupCap ?? Number.POSITIVE_INFINITY;
  const inGroup = new Map(Object.entries(options.inFlight ?? {}));
  const refs = new Set(options.skipRefs ?? []);
  const chosen: number[] = [];
  for (const row of rows) {
    const count = inGroup.get(row.groupKey) ?? 0;
    if (refs.has(row.refId) || count >= cap) continue;
    inGroup.set(row.groupKey, count + 1);
    refs.add(row.refId);
    chosen.push(row.id);
    if (chosen.length === options.limit) break;
  }
  if (chosen.length === 0) return [];
  const claimed = statements.lease.all({
    ids: JSON.stringify(chosen),
    until: options.now + options.leaseMs,
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

/**
 * When the next unclaimed job of a kind is due, or null if none waits;
 * with `after`, the first one due later than that (work already due but
 * waiting for a slot is the runner's to track, not its timer's).
 */
export function nextDue(db: Db, kind: JobKind, after = Number.MIN_SAFE_INTEGER): number | null {
  const row = prepared(db).nextDue.get({ kind, after });

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

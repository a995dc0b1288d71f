// The job runner: one step that claims due work for each kind, hands it to
// that kind's handler and reschedules itself. Work found or a nudge: go
// again at once. Idle: arm a timer for the next due job (at most a second
// away, to notice leases that ran out). Stopping: claim nothing more and
// wait for what is in flight.

import type { Db } from "../db/client";
import { log } from "../log";
import * as queue from "./queue";
import type { Job, JobKind, JobTrigger } from "./queue";

/**
 * What a handler decides about its job once the work is done. A retry is
 * `scheduled` unless the handler passes the job's own trigger on (work it
 * only put off, such as a manual retry held back by a rate limit).
 */
export type Outcome = { done: true } | { done: false; retryAt: number; trigger?: JobTrigger };

export interface KindOptions {
  handler: (job: Job) => Promise<Outcome>;
  /** Jobs of this kind in flight at once. */
  concurrency: number;
  /** Jobs of one group in flight at once (per webhook for deliveries). */
  groupConcurrency?: number;
  /** How long a claim holds; longer than the work can take. */
  leaseMs: number;
}

const IDLE_MS = 1000;
/**
 * Steps triggered by nudges run at most this often. Under load every
 * request nudges; claiming once per couple of milliseconds batches that
 * work at almost no cost in latency.
 */
const MIN_STEP_GAP_MS = 2;
/** How often a claim may read past a full group's backlog (see claimKind). */
const FAIR_CLAIM_MS = 50;
/** Leases that ran out are looked for this often, not on every step. */
const RELEASE_EVERY_MS = 1000;

export class JobRunner {
  private readonly inFlight = new Map<JobKind, Map<number, Job>>();
  private readonly groups = new Map<string, number>();
  private readonly refs = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private scheduled = false;
  private lastStep = 0;
  private lastRelease = 0;
  private readonly lastFairClaim = new Map<JobKind, number>();
  private stopping = false;
  private started = false;

  constructor(
    private readonly db: Db,
    private readonly kinds: Partial<Record<JobKind, KindOptions>>,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    if (this.started) return;
    this.started = true;
    // No claimer of an earlier process is alive: its work is due again now.
    const released = queue.releaseExpired(this.db, this.now(), true);
    if (released > 0) log.info("jobs released from an earlier process", { released });
    this.nudge();
  }

  /** New work may be due now: run a step soon rather than at the timer. */
  nudge(): void {
    if (!this.started || this.stopping || this.scheduled) return;
    this.scheduled = true;
    const wait = this.lastStep + MIN_STEP_GAP_MS - performance.now();
    const run = () => {
      this.scheduled = false;
      this.step();
    };
    if (wait <= 0) queueMicrotask(run);
    else setTimeout(run, wait);
  }

  /** Jobs now in flight, by kind. */
  active(kind: JobKind): number {
    return this.inFlight.get(kind)?.size ?? 0;
  }

  /** Stops claiming, then waits up to `graceMs` for work in flight. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    const all = Promise.allSettled([...this.running]);
    await Promise.race([all, Bun.sleep(graceMs)]);
  }

  private step(): void {
    if (this.stopping) return;
    clearTimeout(this.timer);
    const now = this.now();
    this.lastStep = performance.now();
    let claimedAny = false;
    try {
      if (now - this.lastRelease >= RELEASE_EVERY_MS) {
        this.lastRelease = now;
        queue.releaseExpired(this.db, now);
      }
      for (const [kind, options] of Object.entries(this.kinds) as [JobKind, KindOptions][]) {
        claimedAny = this.claimKind(kind, options, now) || claimedAny;
      }
    } catch (error) {
      log.error("job runner step failed", { error: String(error) });
    }
    if (claimedAny) {
      this.nudge();
      return;
    }
    this.armTimer(now);
  }

  private claimKind(kind: JobKind, options: KindOptions, now: number): boolean {
    const mine = this.inFlight.get(kind) ?? new Map<number, Job>();
    this.inFlight.set(kind, mine);
    const free = options.concurrency - mine.size;
    if (free <= 0) return false;
    const cap = options.groupConcurrency;
    const claimOptions = {
      kind,
      now,
      limit: free,
      leaseMs: options.leaseMs,
      skipRefs: [...this.refs],
      groupCap: cap,
      inFlight: cap ? Object.fromEntries(this.groups) : undefined,
    };
    // The usual claim looks only at the oldest due rows, a bounded window,
    // so its cost does not grow with a backlog. When a group at its cap
    // fills that window, its rows hide other groups' due work behind them;
    // a second claim that skips full groups finds that work, at the price
    // of reading past the backlog, so it runs at most every FAIR_CLAIM_MS.
    let claimed = queue.claim(this.db, claimOptions);
    const full = cap ? [...this.groups].filter(([, n]) => n >= cap).map(([group]) => group) : [];
    const lastFair = this.lastFairClaim.get(kind) ?? 0;
    if (claimed.length < free && full.length > 0 && now - lastFair >= FAIR_CLAIM_MS) {
      this.lastFairClaim.set(kind, now);
      const more = queue.claim(this.db, {
        ...claimOptions,
        limit: free - claimed.length,
        skipGroups: full,
        skipRefs: [...claimOptions.skipRefs, ...claimed.map((job) => job.refId)],
        inFlight: countGroups(this.groups, claimed),
      });
      claimed = claimed.concat(more);
    }
    const taken: Job[] = [];
    for (const job of claimed) {
      // One claim can hold several jobs of a group or of one ref; what
      // would pass a cap goes straight back, due as it was.
      const inGroup = this.groups.get(job.groupKey) ?? 0;
      if ((cap && inGroup >= cap) || this.refs.has(job.refId)) {
        queue.reschedule(this.db, job.id, job.runAt, job.trigger);
        continue;
      }
      this.groups.set(job.groupKey, inGroup + 1);
      this.refs.add(job.refId);
      mine.set(job.id, job);
      taken.push(job);
    }
    for (const job of taken) this.run(kind, options, job);

    return taken.length > 0 && taken.length === claimed.length && taken.length === free;
  }

  private run(kind: JobKind, options: KindOptions, job: Job): void {
    const work = (async () => {
      let outcome: Outcome;
      try {
        outcome = await options.handler(job);
      } catch (error) {
        // A handler that throws has a bug; retry later rather than lose work.
        log.error("job handler threw", { kind, refId: job.refId, error: String(error) });
        outcome = { done: false, retryAt: this.now() + 30_000 };
      }
      try {
        if (outcome.done) queue.complete(this.db, job.id);
        else queue.reschedule(this.db, job.id, outcome.retryAt, outcome.trigger);
      } catch (error) {
        log.error("job bookkeeping failed", { kind, refId: job.refId, error: String(error) });
      }
    })().finally(() => {
      this.inFlight.get(kind)?.delete(job.id);
      const left = (this.groups.get(job.groupKey) ?? 1) - 1;
      if (left <= 0) this.groups.delete(job.groupKey);
      else this.groups.set(job.groupKey, left);
      this.refs.delete(job.refId);
      this.running.delete(work);
      this.nudge();
    });
    this.running.add(work);
  }

  private armTimer(now: number): void {
    let next = now + IDLE_MS;
    for (const kind of Object.keys(this.kinds) as JobKind[]) {
      const due = queue.nextDue(this.db, kind);
      if (due !== null) next = Math.min(next, Math.max(due, now + 5));
    }
    this.timer = setTimeout(() => this.step(), next - now);
  }
}

/** In-flight counts per group, with the jobs just claimed added. */
function countGroups(groups: ReadonlyMap<string, number>, claimed: readonly Job[]): Record<string, number> {
  const counts = Object.fromEntries(groups);
  for (const job of claimed) counts[job.groupKey] = (counts[job.groupKey] ?? 0) + 1;

  return counts;
}

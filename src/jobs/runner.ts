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
  /** When a skipped fair claim may run (see claimKind), per kind. */
  private readonly fairPending = new Map<JobKind, number>();
  /** Groups known to have due work, per kind (see claimKind). */
  private readonly hot = new Map<JobKind, Set<string>>();
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

  /**
   * New work may be due now: run a step soon rather than at the timer.
   * Naming the groups that got work lets the step claim from them first.
   */
  nudge(work: ReadonlyArray<{ kind: JobKind; group: string }> = []): void {
    for (const { kind, group } of work) this.hotGroups(kind).add(group);
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

  /**
   * Claims what this kind's free slots allow, in three passes:
   * 1. hot groups: groups known to have due work (just queued, or found by
   *    an earlier claim), read through the group index, each up to what its
   *    cap still allows, so a group drains at full speed whatever backlog
   *    other groups have;
   * 2. the oldest due rows, a bounded window, so the cost does not grow
   *    with a backlog;
   * 3. when full groups fill that window and hide other groups' work behind
   *    it, a claim that skips full groups, which reads past the backlog and
   *    so runs at most every FAIR_CLAIM_MS.
   * Every group a claim takes from becomes hot. Returns whether it took
   * anything: work found, the step goes again.
   */
  private claimKind(kind: JobKind, options: KindOptions, now: number): boolean {
    const mine = this.inFlight.get(kind) ?? new Map<number, Job>();
    this.inFlight.set(kind, mine);
    const cap = options.groupConcurrency ?? Number.POSITIVE_INFINITY;
    const hot = this.hotGroups(kind);
    this.fairPending.delete(kind);
    let free = options.concurrency - mine.size;
    if (free <= 0) return false;
    const base = { kind, now, leaseMs: options.leaseMs, groupCap: cap };
    let took = false;
    const take = (claimed: Job[]) => {
      for (const job of claimed) {
        this.groups.set(job.groupKey, (this.groups.get(job.groupKey) ?? 0) + 1);
        this.refs.add(job.refId);
        hot.add(job.groupKey);
        mine.set(job.id, job);
        this.run(kind, options, job);
      }
      free -= claimed.length;
      took ||= claimed.length > 0;
    };
    const snapshot = () => ({ skipRefs: [...this.refs], inFlight: Object.fromEntries(this.groups) });

    for (const group of [...hot]) {
      if (free <= 0) break;
      const room = Math.min(free, cap - (this.groups.get(group) ?? 0));
      if (room <= 0) continue;
      const claimed = queue.claim(this.db, { ...base, ...snapshot(), group, limit: room });
      if (claimed.length < room) hot.delete(group);
      take(claimed);
    }
    if (free > 0) take(queue.claim(this.db, { ...base, ...snapshot(), limit: free }));

    const full = [...this.groups].filter(([, n]) => n >= cap).map(([group]) => group);
    if (free > 0 && full.length > 0) {
      const lastFair = this.lastFairClaim.get(kind) ?? 0;
      if (now - lastFair >= FAIR_CLAIM_MS) {
        this.lastFairClaim.set(kind, now);
        take(queue.claim(this.db, { ...base, ...snapshot(), limit: free, skipGroups: full }));
      } else {
        this.fairPending.set(kind, lastFair + FAIR_CLAIM_MS);
      }
    }

    return took;
  }

  private hotGroups(kind: JobKind): Set<string> {
    let hot = this.hot.get(kind);
    if (!hot) {
      hot = new Set();
      this.hot.set(kind, hot);
    }

    return hot;
  }

  private run(kind: JobKind, options: KindOptions, job: Job): void {
    const work = (async () => {
      let outcome: Outcome;
      try {
        outcome = await options.handler(job);
      } catch (error) {
        // Stopping, a handler may throw because its service went away (the
        // sandbox pool refuses queued runs). The job keeps its lease, which
        // the next start releases: due again at once, as operations.md asks.
        if (this.stopping) return;
        // Otherwise a handler that throws has a bug; retry later rather than
        // lose work.
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

  /**
   * Idle: wake for the next job due later than now, or for a fair claim
   * that was put off. Work already due but waiting for a slot, a group's
   * cap or its delivery's other attempt is not polled for: what frees it
   * (a job finishing, new work) nudges a step. The idle tick stays as a
   * backstop and for expired leases.
   */
  private armTimer(now: number): void {
    let next = now + IDLE_MS;
    for (const kind of Object.keys(this.kinds) as JobKind[]) {
      const due = queue.nextDue(this.db, kind, now);
      if (due !== null) next = Math.min(next, due);
      const fair = this.fairPending.get(kind);
      if (fair !== undefined) next = Math.min(next, fair);
    }
    this.timer = setTimeout(() => this.step(), Math.max(1, next - now));
  }
}


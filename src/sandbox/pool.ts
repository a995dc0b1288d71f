// The pool of guest workers (sandbox/worker.ts), one execution per worker
// at a time. The pool owns the limits that need a clock or a kill switch:
//
// - Wall time: a run that has not reported `done` within its timeoutMs
//   is over. The worker is terminated (Worker.terminate() stops even
//   `while (true) {}` or endless tail recursion within milliseconds on
//   Bun) and replaced by a fresh one.
// - Leftovers: after `done` a worker takes no new run until it reports
//   `idle` from a fresh macrotask. A workflow that returned but left an
//   endless microtask chain never gets there; after IDLE_GRACE_MS its
//   worker is terminated and replaced, and no other execution pays.
// - Console output: lines kept while their JSON fits LOG_LIMIT_BYTES (the
//   guest counts the same way and stops sending), then one `…truncated`.
//   The guest is not trusted to have counted: every line is counted here.
// - A worker that dies (the engine giving up) fails its run and is
//   replaced. What it died of stays in the server log: the message can
//   hold the compiled script and Herald's own paths.
//
// Memory per execution is NOT limited here: Bun ignores a Worker's
// resourceLimits, so a memory bomb grows the whole process. What the pool
// does instead is guard the process (operations.md: the server and its
// workers stay under 1 GiB however workflows behave): while runs are in
// flight it samples the process's resident size every MEMORY_POLL_MS, and
// past the ceiling it terminates every busy worker, failing their runs.
// Terminating a worker frees its heap at once on Bun (measured: 1.5 GB
// back to 36 MB within 50 ms). The guard cannot tell which run grew, so a
// run sharing the pool with a bomb fails with it; bounding each execution
// needs each guest in a child process under an address-space limit, the
// planned hardening step.

import { log } from "../log";
import {
  type CallMethod,
  cutText,
  type GuestMessage,
  type HostMessage,
  LOG_LIMIT_BYTES,
  type LogLevel,
  logLineCost,
  type RunOutcome,
  type RunRequest,
  TRUNCATED,
} from "./protocol";

export interface LogLine {
  level: LogLevel;
  message: string;
  at: string;
}

export type RunReport =
  | { status: "success"; result: string | null; logs: LogLine[] }
  | { status: "failed"; error: Extract<RunOutcome, { ok: false }>["error"]; logs: LogLine[] }
  | { status: "timeout"; timeoutMs: number; logs: LogLine[] };

export type Serve = (method: CallMethod, args: unknown[]) => Promise<unknown>;

export interface RunOptions {
  timeoutMs: number;
  serve: Serve;
}

export class SandboxStopped extends Error {
  constructor() {
    super("The sandbox is stopping; the execution runs again after restart.");
    this.name = "SandboxStopped";
  }
}

const IDLE_GRACE_MS = 1000;
const MEMORY_POLL_MS = 20;
/** Resident size past which busy workers are stopped: 1 GiB less headroom. */
export const DEFAULT_MEMORY_CEILING_BYTES = 896 * 1024 * 1024;
const RESPAWN_DELAY_MS = 1000;
const LEVELS = new Set<string>(["log", "info", "warn", "error", "debug"]);

interface Active {
  runId: number;
  options: RunOptions;
  logs: LogLine[];
  logBytes: number;
  truncated: boolean;
  timer: ReturnType<typeof setTimeout>;
  finish(report: RunReport): void;
}

interface Slot {
  worker: Worker;
  state: "starting" | "idle" | "busy" | "settling" | "dead";
  active: Active | null;
  idleTimer?: ReturnType<typeof setTimeout>;
}

interface Waiting {
  request: RunRequest;
  options: RunOptions;
  resolve(report: RunReport): void;
  reject(error: Error): void;
}

export class SandboxPool {
  private readonly slots = new Set<Slot>();
  private readonly waiting: Waiting[] = [];
  private nextRunId = 0;
  private stopped = false;
  private memoryTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    readonly size: number,
    private readonly workerUrl: string = new URL("../../sandbox/worker.ts", import.meta.url).href,
    private readonly memoryCeilingBytes: number = DEFAULT_MEMORY_CEILING_BYTES,
  ) {
    for (let i = 0; i < size; i++) this.spawn();
  }

  /** Runs one execution when a worker is free; resolves whatever its outcome. */
  run(request: RunRequest, options: RunOptions): Promise<RunReport> {
    if (this.stopped) return Promise.reject(new SandboxStopped());
    return new Promise((resolve, reject) => {
      this.waiting.push({ request, options, resolve, reject });
      this.dispatch();
    });
  }

  /** Workers ready or running, for health and metrics. */
  get busy(): number {
    return [...this.slots].filter((slot) => slot.state === "busy").length;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.memoryTimer);
    for (const waiting of this.waiting.splice(0)) waiting.reject(new SandboxStopped());
    for (const slot of this.slots) {
      if (slot.active) {
        clearTimeout(slot.active.timer);
        slot.active = null;
      }
      this.kill(slot);
    }
  }

  private spawn(): void {
    if (this.stopped) return;
    const worker = new Worker(this.workerUrl, { smol: true } as WorkerOptions);
    const slot: Slot = { worker, state: "starting", active: null };
    this.slots.add(slot);
    worker.addEventListener("message", (event: MessageEvent<GuestMessage>) => this.onMessage(slot, event.data));
    worker.addEventListener("error", (event: ErrorEvent) => this.onDeath(slot, event.message || "uncaught error"));
    worker.addEventListener("close", () => this.onDeath(slot, "the worker exited"));
    worker.unref();
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.waiting.length === 0) return;
      if (slot.state !== "idle") continue;
      const next = this.waiting.shift() as Waiting;
      this.start(slot, next);
    }
  }

  private start(slot: Slot, waiting: Waiting): void {
    const runId = ++this.nextRunId;
    const active: Active = {
      runId,
      options: waiting.options,
      logs: [],
      logBytes: 0,
      truncated: false,
      timer: setTimeout(() => this.onTimeout(slot, active), waiting.options.timeoutMs),
      finish: (report) => {
        clearTimeout(active.timer);
        waiting.resolve(report);
      },
    };
    slot.state = "busy";
    slot.active = active;
    this.watchMemory();
    this.post(slot, { type: "run", runId, ...waiting.request });
  }

  /** Samples the resident size while any run is in flight (see the header). */
  private watchMemory(): void {
    if (this.memoryTimer) return;
    this.memoryTimer = setInterval(() => {
      const busy = [...this.slots].filter((slot) => slot.active !== null);
      if (busy.length === 0) {
        clearInterval(this.memoryTimer);
        this.memoryTimer = undefined;
        return;
      }
      const rss = process.memoryUsage.rss();
      if (rss <= this.memoryCeilingBytes) return;
      log.error("sandbox memory ceiling reached; busy workers stopped", {
        rssMb: Math.round(rss / 1048576),
        ceilingMb: Math.round(this.memoryCeilingBytes / 1048576),
        stopped: busy.length,
      });
      for (const slot of busy) this.onMemoryCeiling(slot);
    }, MEMORY_POLL_MS);
    this.memoryTimer.unref?.();
  }

  private onMemoryCeiling(slot: Slot): void {
    const active = slot.active;
    if (!active) return;
    slot.active = null;
    const ceilingMb = Math.round(this.memoryCeilingBytes / 1048576);
    active.finish({
      status: "failed",
      error: {
        name: "MemoryLimitError",
        message: `The server's memory passed its ${ceilingMb} MiB ceiling while this execution ran, so the sandbox stopped it. A workflow that builds very large values in memory cannot run here; keep what it holds small.`,
        frames: [],
      },
      logs: active.logs,
    });
    this.replace(slot);
  }

  private post(slot: Slot, message: HostMessage): void {
    try {
      slot.worker.postMessage(message);
    } catch (error) {
      this.onDeath(slot, `postMessage failed: ${String(error)}`);
    }
  }

  private onMessage(slot: Slot, message: GuestMessage): void {
    const active = slot.active;
    switch (message.type) {
      case "ready":
        slot.state = "idle";
        this.dispatch();
        return;
      case "idle":
        if (slot.state !== "settling") return;
        clearTimeout(slot.idleTimer);
        slot.state = "idle";
        this.dispatch();
        return;
    }
    if (!active || active.runId !== message.runId) return;
    switch (message.type) {
      case "log":
        this.keepLog(active, message.level, message.message, message.at);
        return;
      case "call":
        this.serveCall(slot, active, message.callId, message.method, message.args);
        return;
      case "done": {
        slot.active = null;
        slot.state = "settling";
        slot.idleTimer = setTimeout(() => {
          log.warn("sandbox worker left work running after its execution; replacing it", { runId: active.runId });
          this.replace(slot);
        }, IDLE_GRACE_MS);
        const outcome = message.outcome;
        active.finish(
          outcome.ok
            ? { status: "success", result: outcome.result, logs: active.logs }
            : { status: "failed", error: outcome.error, logs: active.logs },
        );
        return;
      }
    }
  }

  private serveCall(slot: Slot, active: Active, callId: number, method: CallMethod, args: unknown[]): void {
    active.options.serve(method, args).then(
      (value) => {
        if (slot.active !== active) return;
        this.post(slot, { type: "reply", runId: active.runId, callId, ok: true, value });
      },
      (error: unknown) => {
        if (slot.active !== active) return;
        const known = error instanceof Error && ["Error", "TypeError", "RangeError"].includes(error.name);
        if (!known) log.error("workflow binding failed", { method, error: String(error) });
        const reply = known
          ? { name: (error as Error).name, message: (error as Error).message }
          : { name: "Error", message: "The binding failed on Herald's side; see the server log." };
        this.post(slot, { type: "reply", runId: active.runId, callId, ok: false, error: reply });
      },
    );
  }

  private keepLog(active: Active, level: LogLevel, message: string, at: string): void {
    if (active.truncated) return;
    const line: LogLine = {
      level: LEVELS.has(level) ? level : "log",
      message: String(message),
      at: String(at).slice(0, 32),
    };
    const cost = logLineCost(line);
    if (active.logBytes + cost <= LOG_LIMIT_BYTES) {
      active.logBytes += cost;
      active.logs.push(line);
      return;
    }
    // Keep what fits of this line, then mark the cut once; nothing after it.
    const kept = fitMessage(line, LOG_LIMIT_BYTES - active.logBytes);
    if (kept !== null) active.logs.push({ ...line, message: kept });
    active.logs.push({ level: "warn", message: TRUNCATED, at: line.at });
    active.logBytes = LOG_LIMIT_BYTES;
    active.truncated = true;
  }

  private onTimeout(slot: Slot, active: Active): void {
    if (slot.active !== active) return;
    slot.active = null;
    active.finish({ status: "timeout", timeoutMs: active.options.timeoutMs, logs: active.logs });
    this.replace(slot);
  }

  private onDeath(slot: Slot, reason: string): void {
    if (slot.state === "dead") return;
    const active = slot.active;
    const wasStarting = slot.state === "starting";
    log.warn("sandbox worker stopped", { reason: cutText(reason, 300), wasStarting });
    if (active) {
      slot.active = null;
      active.finish({
        status: "failed",
        error: {
          name: "Error",
          message: "The sandbox stopped during the execution; the server log says why. Run it again to retry.",
          frames: [],
        },
        logs: active.logs,
      });
    }
    this.kill(slot);
    // A worker that cannot even start would spin if replaced at once.
    if (wasStarting) setTimeout(() => this.spawn(), RESPAWN_DELAY_MS).unref();
    else this.spawn();
  }

  private replace(slot: Slot): void {
    this.kill(slot);
    this.spawn();
  }

  private kill(slot: Slot): void {
    slot.state = "dead";
    clearTimeout(slot.idleTimer);
    this.slots.delete(slot);
    slot.worker.terminate();
  }
}

/**
 * The longest start of the line's message whose line still costs at most
 * `room`, or null when not even an empty message fits. Binary search:
 * escapes make the cost of a prefix uneven, never smaller for a longer one.
 */
function fitMessage(line: LogLine, room: number): string | null {
  if (logLineCost({ ...line, message: "" }) > room) return null;
  let low = 0;
  let high = Math.min(line.message.length, room);
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (logLineCost({ ...line, message: line.message.slice(0, middle) }) <= room) low = middle;
    else high = middle - 1;
  }
  // Never end on half of a surrogate pair.
  const end = /[\uD800-\uDBFF]/.test(line.message[low - 1] ?? "") ? low - 1 : low;

  return line.message.slice(0, end);
}

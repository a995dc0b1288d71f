// One execution's link to the host, inside the worker: calls to the
// host's bindings (with their pending replies), console lines, timers and
// the first uncaught error. When the execution ends, `end()` cuts every
// link: later calls throw, pending replies reject, timers are cleared and
// logs are dropped, so nothing a finished execution left behind can act in
// the next one. No side effects on import.

import type { CallArgs, CallMethod, GuestMessage, LogLevel } from "../src/sandbox/protocol";
import { LOG_LIMIT_BYTES, logLineCost, TIMEOUT_LIMIT_MS } from "../src/sandbox/protocol";

type Post = (message: GuestMessage) => void;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/**
 * A timer's delay in ms, or null for one that cannot fire within any
 * execution. Any value is taken, as the web's setTimeout does: not a
 * number, NaN or negative means 0. A delay past the longest timeout is
 * never handed to the engine, whose timers warn (and, under lockdown,
 * fail) past 2^31 - 1 ms.
 */
export function timerDelay(delay: unknown): number | null {
  const ms = typeof delay === "number" ? delay : Number(delay);
  if (!(ms > 0)) return 0;
  if (ms > TIMEOUT_LIMIT_MS) return null;

  return ms;
}

export class RunContext {
  #live = true;
  #nextCall = 0;
  #calls = new Map<number, Pending>();
  #timers = new Map<number, ReturnType<typeof setTimeout>>();
  #nextTimer = 0;
  #logBytes = 0;
  #fail: (error: unknown) => void = () => {};
  /** Rejects with the first error nothing caught; never resolves. */
  readonly failed = new Promise<never>((_, reject) => {
    this.#fail = reject;
  });

  constructor(
    readonly runId: number,
    private readonly post: Post,
  ) {
    // Nothing may await `failed` when no error comes; that is no rejection to report.
    this.failed.catch(() => {});
  }

  get live(): boolean {
    return this.#live;
  }

  /** Asks the host for a binding; the answer is a copy made by postMessage. */
  call<M extends CallMethod>(method: M, ...args: CallArgs[M]): Promise<unknown> {
    if (!this.#live) return Promise.reject(new Error("The execution has ended; its bindings no longer answer."));
    const callId = ++this.#nextCall;
    return new Promise((resolve, reject) => {
      this.#calls.set(callId, { resolve, reject });
      this.post({ type: "call", runId: this.runId, callId, method, args });
    });
  }

  /** The host's answer to a call. */
  settle(callId: number, ok: boolean, value: unknown, error?: { name: string; message: string }): void {
    const pending = this.#calls.get(callId);
    if (!pending) return;
    this.#calls.delete(callId);
    if (ok) pending.resolve(value);
    else pending.reject(makeError(error?.name ?? "Error", error?.message ?? "The call failed."));
  }

  /** An error nothing caught (a timer callback's, an unhandled rejection) ends the execution. */
  fail(error: unknown): void {
    if (this.#live) this.#fail(error);
  }

  /** False once the console cap is passed: later lines are not even formatted. */
  get logging(): boolean {
    return this.#live && this.#logBytes <= LOG_LIMIT_BYTES;
  }

  /**
   * Sends a console line, counted as the host counts it (protocol.ts,
   * logLineCost). The line that passes the cap is the last one sent: the
   * host keeps what fits of it and marks the cut, and nothing more
   * crosses, so a loop of empty lines costs the host nothing either.
   */
  log(level: LogLevel, message: string): void {
    if (!this.logging) return;
    // Longer than the whole cap: the rest could never be kept.
    const text = message.length > LOG_LIMIT_BYTES ? message.slice(0, LOG_LIMIT_BYTES + 1) : message;
    const line = { level, message: text, at: new Date().toISOString() };
    this.#logBytes += logLineCost(line);
    this.post({ type: "log", runId: this.runId, ...line });
  }

  setTimeout(callback: unknown, delay: unknown, args: unknown[]): number {
    if (typeof callback !== "function") {
      throw new TypeError("setTimeout takes a function; strings of code are not evaluated.");
    }
    const ms = timerDelay(delay);
    if (!this.#live) return 0;
    const id = ++this.#nextTimer;
    // Past any execution's end: the id is real (clearTimeout takes it), the timer never runs.
    if (ms === null) return id;
    this.#timers.set(
      id,
      setTimeout(() => {
        this.#timers.delete(id);
        if (!this.#live) return;
        try {
          callback(...args);
        } catch (error) {
          this.fail(error);
        }
      }, ms),
    );

    return id;
  }

  clearTimeout(id: unknown): void {
    const timer = this.#timers.get(Number(id));
    if (timer === undefined) return;
    clearTimeout(timer);
    this.#timers.delete(Number(id));
  }

  end(): void {
    this.#live = false;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    for (const pending of this.#calls.values()) {
      pending.reject(new Error("The execution has ended; its bindings no longer answer."));
    }
    this.#calls.clear();
  }
}

/** Rebuilds an error the host reported, as one of the language's own kinds. */
function makeError(name: string, message: string): Error {
  switch (name) {
    case "TypeError":
      return new TypeError(message);
    case "RangeError":
      return new RangeError(message);
    default: {
      const error = new Error(message);
      // defineProperty, not assignment: Error.prototype is frozen.
      if (name !== "Error") Object.defineProperty(error, "name", { value: name, configurable: true });
      return error;
    }
  }
}

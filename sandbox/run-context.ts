// One execution's link to the host, inside the worker: calls to the
// host's bindings (with their pending replies), console lines and timers.
// When the execution ends, `end()` cuts every link: later calls throw,
// pending replies reject, timers are cleared and logs are dropped, so
// nothing a finished execution left behind can act in the next one.
// No side effects on import.

import type { CallArgs, CallMethod, GuestMessage, LogLevel } from "../src/sandbox/protocol";
import { LOG_LIMIT_BYTES } from "../src/sandbox/protocol";

type Post = (message: GuestMessage) => void;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

const encoder = new TextEncoder();

export class RunContext {
  #live = true;
  #nextCall = 0;
  #calls = new Map<number, Pending>();
  #timers = new Map<number, ReturnType<typeof setTimeout>>();
  #nextTimer = 0;
  #logBytes = 0;

  constructor(
    readonly runId: number,
    private readonly post: Post,
  ) {}

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

  /** Sends a console line; past the cap the host adds the truncation mark. */
  log(level: LogLevel, message: string): void {
    if (!this.#live || this.#logBytes > LOG_LIMIT_BYTES) return;
    this.#logBytes += encoder.encode(message).byteLength;
    this.post({ type: "log", runId: this.runId, level, message, at: new Date().toISOString() });
  }

  setTimeout(callback: unknown, delay: unknown, args: unknown[]): number {
    if (typeof callback !== "function") {
      throw new TypeError("setTimeout takes a function; strings of code are not evaluated.");
    }
    if (!this.#live) return 0;
    const id = ++this.#nextTimer;
    const ms = Math.max(0, Number(delay) || 0);
    this.#timers.set(
      id,
      setTimeout(() => {
        this.#timers.delete(id);
        if (this.#live) callback(...args);
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

// The messages the sandbox host (src/sandbox/pool.ts) and the guest worker
// (sandbox/worker.ts) exchange, and the limits both sides enforce. Only
// plain data crosses: everything here survives postMessage's structured
// clone, so each side always holds its own copy. Types and constants only;
// importing this module has no side effects.

import type { Envelope } from "../events/envelope";

/** Console output kept per execution, counted in UTF-8 bytes of messages. */
export const LOG_LIMIT_BYTES = 64 * 1024;
/** The largest `result` kept, as JSON text. */
export const RESULT_LIMIT_BYTES = 64 * 1024;
/** fetch calls one execution may make. */
export const FETCH_CALL_LIMIT = 50;
/** Redirect hops one fetch call may follow. */
export const FETCH_REDIRECT_LIMIT = 5;
/** The largest response body a fetch call may read. */
export const FETCH_BODY_LIMIT_BYTES = 5 * 1024 * 1024;
/** The URL the workflow's code is evaluated under; stack frames name it. */
export const SOURCE_URL = "workflow";

export type LogLevel = "log" | "info" | "warn" | "error" | "debug";

/** The host-served bindings a guest may ask for, with their arguments. */
export interface CallArgs {
  "store.get": [store: string, key: string];
  "store.getAll": [store: string];
  "store.set": [store: string, key: string, json: string];
  "store.delete": [store: string, key: string];
  "room.get": [];
  "room.getUsers": [];
  "files.list": [prefix: string | null];
  fetch: [request: FetchRequest];
}

export type CallMethod = keyof CallArgs;

export interface FetchRequest {
  url: string;
  method: string;
  headers: Array<[string, string]>;
  body: Uint8Array | null;
  redirect: "follow" | "manual" | "error";
}

export interface FetchResponse {
  url: string;
  status: number;
  statusText: string;
  redirected: boolean;
  headers: Array<[string, string]>;
  body: Uint8Array;
}

/** What the guest needs to run one execution. */
export interface RunRequest {
  /** The compiled script (see src/sandbox/compile.ts). */
  script: string;
  event: Envelope;
  env: Record<string, string>;
  permissions: string[];
}

/** A stack frame as the engine reported it, in the compiled script's coordinates. */
export interface RawFrame {
  fn: string | null;
  line: number;
  column: number;
}

export type RunOutcome =
  | { ok: true; result: string | null }
  | { ok: false; error: { name: string; message: string; frames: RawFrame[] } };

export type HostMessage =
  | ({ type: "run"; runId: number } & RunRequest)
  | { type: "reply"; runId: number; callId: number; ok: true; value: unknown }
  | { type: "reply"; runId: number; callId: number; ok: false; error: { name: string; message: string } };

export type GuestMessage =
  /** lockdown() is done; the worker takes runs. */
  | { type: "ready" }
  | { type: "call"; runId: number; callId: number; method: CallMethod; args: unknown[] }
  | { type: "log"; runId: number; level: LogLevel; message: string; at: string }
  | { type: "done"; runId: number; outcome: RunOutcome }
  /**
   * Sent from a fresh macrotask after `done`: the event loop came back,
   * so nothing the execution left behind (an endless microtask chain) is
   * still spinning. Only then does the worker take the next run.
   */
  | { type: "idle"; runId: number };

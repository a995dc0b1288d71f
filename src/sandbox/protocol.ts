// The messages the sandbox host (src/sandbox/pool.ts) and the guest worker
// (sandbox/worker.ts) exchange, and the limits both sides enforce. Only
// plain data crosses: everything here survives postMessage's structured
// clone, so each side always holds its own copy. Types, constants and two
// pure functions; importing this module has no side effects.

import type { Envelope } from "../events/envelope";

/**
 * Console output kept per execution: the UTF-8 bytes of the kept lines as
 * the execution's `logs` JSON holds them (level, timestamp and punctuation
 * included), so that empty lines cost something too. See logLineCost.
 */
export const LOG_LIMIT_BYTES = 64 * 1024;
/** The longest `timeoutMs` a workflow may have; a timer set past it can never fire. */
export const TIMEOUT_LIMIT_MS = 60_000;
/** An execution error's name and message are cut past these (UTF-16 units). */
export const ERROR_NAME_LIMIT = 1024;
export const ERROR_MESSAGE_LIMIT = 16 * 1024;
/** Frames kept of an execution error's stack. */
export const ERROR_FRAME_LIMIT = 50;
/** What a field cut at its limit ends with. */
export const TRUNCATED = "…truncated";

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
/**
 * What precedes the compiled script on its first line when the guest
 * evaluates it (the script's body runs as this function's). The first
 * line holds only Bun's CommonJS helpers, so the workflow's lines keep
 * their numbers.
 */
export const SCRIPT_PREFIX = "(function (module, exports) {";

export type LogLevel = "log" | "info" | "warn" | "error" | "debug";

const utf8 = new TextEncoder();

/** What one console line costs against LOG_LIMIT_BYTES: its JSON and a comma. */
export function logLineCost(line: { level: string; message: string; at: string }): number {
  return utf8.encode(JSON.stringify(line)).byteLength + 1;
}

/** The text as it is, or its first `limit` UTF-16 units (no half pair) and TRUNCATED. */
export function cutText(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const end = /[\uD800-\uDBFF]/.test(text[limit - 1] ?? "") ? limit - 1 : limit;

  return text.slice(0, end) + TRUNCATED;
}

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
  /** Its source map's `mappings`, to name stack frames by the source as written. */
  mappings: string;
  event: Envelope;
  env: Record<string, string>;
  permissions: string[];
}

/** A stack frame inside the workflow, by line and column of the source as written. */
export interface SourceFrame {
  fn: string | null;
  line: number;
  column: number;
}

export type RunOutcome =
  | { ok: true; result: string | null }
  | { ok: false; error: { name: string; message: string; frames: SourceFrame[] } };

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

// The guest: one Bun Worker of the sandbox pool, and the only code in
// Herald that calls lockdown(). Importing it has that side effect, which
// is why it runs only as a Worker's entry (src/sandbox/pool.ts).
//
// The worker locks down once, then runs executions one at a time, each in
// a fresh SES Compartment whose globals are made for that execution and
// hardened (sandbox/globals.ts), so nothing one execution sets is visible
// to the next. The workflow's compiled script is a CommonJS-style body
// (src/sandbox/compile.ts); it is wrapped in a function that receives
// `module`, evaluated under the source URL "workflow" so that stack frames
// can be told apart from the worker's own, and its default export called
// with a frozen copy of the event and the bindings. Stacks, read by
// workflow code or reported to the host, show the workflow's own frames
// only (sandbox/stacks.ts).
//
// An error nothing catches (thrown by a timer callback, or a promise
// rejected with no handler) fails the execution it happened in, as it
// would end a Node or Bun process; the worker itself survives. SES's own
// trapping would end the worker instead, so it is off, and the process
// listeners are added before lockdown() (Node's event machinery cannot
// load once the intrinsics are frozen).
//
// The host owns every limit that needs a clock: a worker stuck in
// `while (true) {}` never answers, and the host terminates it.

import "ses";
import {
  cutText,
  ERROR_MESSAGE_LIMIT,
  ERROR_NAME_LIMIT,
  RESULT_LIMIT_BYTES,
  SCRIPT_PREFIX,
  SOURCE_URL,
} from "../src/sandbox/protocol";
import type { GuestMessage, HostMessage, RunOutcome, SourceFrame } from "../src/sandbox/protocol";
import { makeBindings } from "./bindings";
import { makeGlobals } from "./globals";
import { RunContext } from "./run-context";
import { installStackFormat, parseFrames, useMappings } from "./stacks";
import { SandboxRequest, SandboxResponse } from "./web-fetch";
import { SandboxHeaders } from "./web-headers";
import { SandboxURL, SandboxURLSearchParams } from "./web-url";

/** The execution running now, if any. */
let current: RunContext | null = null;
// Before lockdown(): see the header.
process.on("uncaughtException", (error) => current?.fail(error));
process.on("unhandledRejection", (reason) => current?.fail(reason));

// errorTaming "unsafe" keeps `error.stack` (in the format of
// sandbox/stacks.ts); with "safe" it reads as "" on Bun. reporting "none"
// keeps SES's notes about removed intrinsics out of Herald's log. The two
// trapping options are "none": the listeners above decide.
lockdown({
  errorTaming: "unsafe",
  consoleTaming: "unsafe",
  overrideTaming: "moderate",
  reporting: "none",
  errorTrapping: "none",
  unhandledRejectionTrapping: "none",
} as never);
installStackFormat();

const web = harden({
  URL: SandboxURL,
  URLSearchParams: SandboxURLSearchParams,
  Headers: SandboxHeaders,
  Request: SandboxRequest,
  Response: SandboxResponse,
});

const post = (message: GuestMessage) => postMessage(message);

globalThis.addEventListener("message", (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  if (message.type === "run") void run(message);
  else if (message.type === "reply" && current?.runId === message.runId) {
    if (message.ok) current.settle(message.callId, true, message.value);
    else current.settle(message.callId, false, undefined, message.error);
  }
});

async function run(message: Extract<HostMessage, { type: "run" }>): Promise<void> {
  const context = new RunContext(message.runId, post);
  current = context;
  useMappings(message.mappings);
  let outcome: RunOutcome;
  try {
    const globals = makeGlobals(context, web);
    const compartment = new Compartment({ globals: harden(globals), __options__: true } as never);
    harden(compartment.globalThis);
    const factory = compartment.evaluate(
      `${SCRIPT_PREFIX}${message.script}\n})\n//# sourceURL=${SOURCE_URL}\n`,
    ) as (module: { exports: Record<string, unknown> }, exports: Record<string, unknown>) => void;
    const module = { exports: {} as Record<string, unknown> };
    factory(module, module.exports);
    const handler = module.exports.default;
    if (typeof handler !== "function") {
      throw new TypeError("The workflow's default export is not a function; export the handler with `export default`.");
    }
    const bindings = harden(makeBindings(context, message.env, message.permissions));
    // An uncaught error elsewhere in the execution ends it as soon as it happens.
    const value = await Promise.race([handler(harden(message.event), bindings), context.failed]);
    outcome = { ok: true, result: serialise(value) };
  } catch (error) {
    outcome = { ok: false, error: describe(error) };
  }
  context.end();
  if (current === context) current = null;
  post({ type: "done", runId: message.runId, outcome });
  // A macrotask: it runs only once the event loop is free again.
  setTimeout(() => post({ type: "idle", runId: message.runId }), 0);
}

/** The handler's return value as JSON text, or a failure when it cannot be kept. */
function serialise(value: unknown): string | null {
  if (value === undefined) return null;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    const why = error instanceof Error ? safeString(error.message) : `it threw ${safeString(error)}`;
    throw new TypeError(`The handler's return value is not JSON-serialisable: ${why}`);
  }
  if (text === undefined) return null;
  const size = new TextEncoder().encode(text).byteLength;
  if (size > RESULT_LIMIT_BYTES) {
    throw new RangeError(`The handler returned ${size} bytes of JSON; at most ${RESULT_LIMIT_BYTES} are kept.`);
  }

  return text;
}

/**
 * Name, message and the frames inside the workflow, each cut to its limit.
 * Reading a thrown value can run workflow code (getters); whatever that
 * does, this returns a plain description.
 */
function describe(error: unknown): { name: string; message: string; frames: SourceFrame[] } {
  try {
    if (!(error instanceof Error)) {
      return { name: "Error", message: cutText(`Uncaught ${safeString(error)}`, ERROR_MESSAGE_LIMIT), frames: [] };
    }
    const stack = error.stack;
    return {
      name: cutText(safeString(error.name), ERROR_NAME_LIMIT),
      message: cutText(safeString(error.message), ERROR_MESSAGE_LIMIT),
      frames: typeof stack === "string" ? parseFrames(stack) : [],
    };
  } catch {
    return { name: "Error", message: "The workflow threw a value that could not be read.", frames: [] };
  }
}

function safeString(value: unknown): string {
  try {
    return typeof value === "string" ? value : JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

post({ type: "ready" });

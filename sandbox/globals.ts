// The exact globals workflow code sees, beyond the language's own frozen
// built-ins that every SES Compartment has: console, fetch, setTimeout
// and clearTimeout bound to one execution; hardened stand-ins for URL,
// URLSearchParams, Headers, Request and Response; crypto with randomUUID,
// getRandomValues and an HMAC-capable subtle; atob and btoa; the real
// Date and Math (a Compartment's own throw on Date.now and Math.random).
// SES's own Compartment, lockdown and harden are hidden. Every function
// made here is hardened before workflow code can see it.
//
// The SES docs (docs/guide.md, "Compartment") describe what a fresh
// Compartment's globalThis holds; this module decides everything else.
// No side effects on import; call makeGlobals after lockdown().

import type { LogLevel } from "../src/sandbox/protocol";
import type { RunContext } from "./run-context";
import { makeFetch } from "./web-fetch";
import type { FetchResponse } from "../src/sandbox/protocol";

/** Captured before workflow code exists; never handed out themselves. */
const host = {
  Date: globalThis.Date,
  Math: globalThis.Math,
  crypto: globalThis.crypto,
  atob: globalThis.atob,
  btoa: globalThis.btoa,
};

/** console: a line is the arguments joined by a space, strings as they are, others as JSON. */
export function formatLog(args: unknown[]): string {
  return args.map(formatValue).join(" ");
}

function formatValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (value === undefined || typeof value === "function" || typeof value === "symbol") return String(value);
  if (typeof value === "bigint") return `${value}n`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    // Cycles and throwing toJSON: say what it is rather than fail the call.
    return Object.prototype.toString.call(value);
  }
}

function makeConsole(run: RunContext) {
  const line = (level: LogLevel) => (...args: unknown[]) => {
    if (run.logging) run.log(level, formatLog(args));
  };

  return {
    log: line("log"),
    info: line("info"),
    warn: line("warn"),
    error: line("error"),
    debug: line("debug"),
  };
}

/** Copies any BufferSource into fresh bytes the host's crypto can read. */
function bytesOf(data: unknown): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0));
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  throw new TypeError("Expected an ArrayBuffer or a typed array.");
}

/** Algorithm names and parameters as plain JSON, never the caller's object. */
function plain<T>(value: T): T {
  return typeof value === "string" ? value : JSON.parse(JSON.stringify(value));
}

/**
 * crypto.subtle over the host's, with keys kept on this side: workflow code
 * gets a frozen stand-in for each CryptoKey, never the key object itself.
 */
interface HostKey {
  type: string;
  extractable: boolean;
  algorithm: unknown;
  usages: string[];
}

/** The part of SubtleCrypto used here, typed loosely: arguments are copies. */
interface HostSubtle {
  digest(algorithm: unknown, data: Uint8Array): Promise<ArrayBuffer>;
  importKey(format: string, keyData: unknown, algorithm: unknown, extractable: boolean, usages: unknown): Promise<HostKey>;
  sign(algorithm: unknown, key: HostKey, data: Uint8Array): Promise<ArrayBuffer>;
  verify(algorithm: unknown, key: HostKey, signature: Uint8Array, data: Uint8Array): Promise<boolean>;
}

function makeCrypto() {
  const subtle = host.crypto.subtle as unknown as HostSubtle;
  const keys = new WeakMap<object, HostKey>();
  const wrapKey = (key: HostKey) => {
    const handle = Object.freeze({
      type: key.type,
      extractable: key.extractable,
      algorithm: plain(key.algorithm),
      usages: Object.freeze([...key.usages]),
    });
    keys.set(handle, key);
    return handle;
  };
  const unwrapKey = (handle: unknown) => {
    const key = typeof handle === "object" && handle !== null ? keys.get(handle) : undefined;
    if (!key) throw new TypeError("Expected a key made by crypto.subtle.importKey.");
    return key;
  };
  const copyBuffer = (buffer: ArrayBuffer) => buffer.slice(0);

  return {
    randomUUID: () => host.crypto.randomUUID(),
    getRandomValues<T extends ArrayBufferView>(array: T): T {
      if (!ArrayBuffer.isView(array) || array instanceof Float32Array || array instanceof Float64Array) {
        throw new TypeError("getRandomValues takes an integer typed array.");
      }
      if (array.byteLength > 65536) throw new RangeError("getRandomValues fills at most 65536 bytes.");
      const bytes = new Uint8Array(array.byteLength);
      host.crypto.getRandomValues(bytes);
      new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(bytes);
      return array;
    },
    subtle: {
      async digest(algorithm: unknown, data: unknown) {
        return copyBuffer(await subtle.digest(plain(algorithm), bytesOf(data)));
      },
      async importKey(format: unknown, keyData: unknown, algorithm: unknown, extractable: unknown, usages: unknown) {
        const form = String(format);
        const material = form === "jwk" ? plain(keyData) : bytesOf(keyData);
        const key = await subtle.importKey(form, material, plain(algorithm), Boolean(extractable), plain(usages));
        return wrapKey(key);
      },
      async sign(algorithm: unknown, key: unknown, data: unknown) {
        return copyBuffer(await subtle.sign(plain(algorithm), unwrapKey(key), bytesOf(data)));
      },
      async verify(algorithm: unknown, key: unknown, signature: unknown, data: unknown) {
        return subtle.verify(plain(algorithm), unwrapKey(key), bytesOf(signature), bytesOf(data));
      },
    },
  };
}

export interface WebClasses {
  URL: unknown;
  URLSearchParams: unknown;
  Headers: unknown;
  Request: unknown;
  Response: unknown;
}

/** The globals of one execution; the caller hardens them with the Compartment. */
export function makeGlobals(run: RunContext, web: WebClasses): Record<string, unknown> {
  const fetch = makeFetch(async (request) => (await run.call("fetch", request)) as FetchResponse);

  return {
    ...web,
    console: makeConsole(run),
    fetch,
    setTimeout: (callback: unknown, delay?: unknown, ...args: unknown[]) => run.setTimeout(callback, delay, args),
    clearTimeout: (id: unknown) => run.clearTimeout(id),
    crypto: makeCrypto(),
    atob: (text: unknown) => host.atob(String(text)),
    btoa: (text: unknown) => host.btoa(String(text)),
    Date: host.Date,
    Math: host.Math,
    // A Compartment comes with these; workflow code has no use for them.
    Compartment: undefined,
    lockdown: undefined,
    harden: undefined,
  };
}

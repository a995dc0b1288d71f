// Sends one webhook attempt and reports what happened, never throwing.
// The whole attempt (DNS, connect, TLS, answer, body) shares one timeout.
// Redirects are not followed: a 3xx is a failed attempt and its Location
// is never contacted. At most 64 KiB of the answer is read, then the
// connection is dropped; 4 KiB is kept for the delivery log.
//
// How the address guard's choice is enforced: the request goes to the
// checked IP itself, never to the name, so nothing resolves the name a
// second time. For http the original `Host` header is sent. For https,
// Bun's fetch takes `tls.serverName`, which sets SNI and is the name the
// certificate is verified against, so TLS is as strict as a request to
// the name. Connections are pooled by the address they go to; an https
// attempt gets a connection of its own (keepalive off) so a connection
// verified for one name is never reused for another name on the same IP.
// Proxy variables are ignored (`proxy: false`): through a proxy the
// checked IP would not be the one connected to.

import type { AllowList, Lookup } from "./address-guard";
import { AddressError, parseIp, resolveTarget, systemLookup } from "./address-guard";
import { headerProblem, urlProblem } from "./wire";

export type AttemptError =
  | "timeout"
  | "connection_refused"
  | "connection_reset"
  | "dns"
  | "tls"
  | "redirect"
  | "blocked_address"
  | "http_status";

export interface AttemptResult {
  /** 0 when no answer came. */
  statusCode: number;
  responseBody: string | null;
  error: AttemptError | null;
  durationMs: number;
  /** The answer's Retry-After header, as sent. */
  retryAfter: string | null;
}

export interface SendOptions {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  allow: AllowList;
  lookup?: Lookup;
}

export const READ_LIMIT = 64 * 1024;
export const KEEP_LIMIT = 4 * 1024;

class Timeout extends Error {}

export async function send(options: SendOptions): Promise<AttemptResult> {
  const started = performance.now();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Timeout("timeout")), options.timeoutMs);
  const result = (partial: Omit<AttemptResult, "durationMs">): AttemptResult => ({
    ...partial,
    durationMs: Math.round(performance.now() - started),
  });

  const unsendable = requestProblem(options);
  if (unsendable !== null) {
    clearTimeout(timer);
    // No error name in the spec's list says "Herald could not build this
    // request", and connection_reset, which fetch's throw used to be read
    // as, blames the receiver and is retried for days. blocked_address is
    // the nearest: Herald refused to send before connecting, and waiting
    // will not change that. The reason goes where the answer would be.
    return result({ statusCode: 0, responseBody: unsendable, error: "blocked_address", retryAfter: null });
  }

  try {
    const url = new URL(options.url);
    const target = await withAbort(
      resolveTarget(url.hostname, options.allow, options.lookup ?? systemLookup),
      controller.signal,
    );
    const direct = new URL(url);
    direct.hostname = target.family === 6 ? `[${target.address}]` : target.address;
    const https = url.protocol === "https:";
    const hostIsName = parseIp(url.hostname) === null;

    const response = await fetch(direct, {
      method: "POST",
      headers: { ...options.headers, host: url.host, "accept-encoding": "identity" },
      body: options.body,
      redirect: "manual",
      signal: controller.signal,
      proxy: false,
      decompress: false,
      keepalive: !https,
      tls: https && hostIsName ? { serverName: url.hostname } : undefined,
    } as BunFetchRequestInit);

    const statusCode = response.status;
    const retryAfter = response.headers.get("retry-after");
    const responseBody = await readCapped(response, controller);
    let error: AttemptError | null = null;
    if (statusCode >= 300 && statusCode < 400) error = "redirect";
    else if (statusCode < 200 || statusCode >= 300) error = "http_status";

    return result({ statusCode, responseBody, error, retryAfter });
  } catch (error) {
    const kind = classify(error, controller.signal);
    return result({ statusCode: 0, responseBody: null, error: kind, retryAfter: null });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Why the request cannot go out as stored, or null. The API refuses such
 * webhooks already; this catches rows written before those checks, which
 * would otherwise fail inside fetch ("Header has invalid value") or have
 * their bytes changed on the way out.
 */
function requestProblem(options: SendOptions): string | null {
  const fix = "Fix it with PATCH /v1/webhooks/:id.";
  const url = urlProblem(options.url);
  if (url !== null) return `Herald did not send this request: the webhook's url ${url} ${fix}`;
  for (const [name, value] of Object.entries(options.headers)) {
    const header = headerProblem(name, value);
    if (header !== null) return `Herald did not send this request: in the webhook's headers, ${header} ${fix}`;
  }

  return null;
}

/**
 * Reads up to READ_LIMIT bytes, then drops the connection. A body that
 * ends in an error or the timeout keeps what arrived: once the status line
 * is in, the status decides the attempt, however the body goes.
 */
async function readCapped(response: Response, controller: AbortController): Promise<string> {
  const kept: Uint8Array[] = [];
  let keptBytes = 0;
  let read = 0;
  const reader = response.body?.getReader();
  if (!reader) return "";
  try {
    while (read < READ_LIMIT) {
      const { done, value } = await reader.read();
      if (done) break;
      read += value.byteLength;
      if (keptBytes < KEEP_LIMIT) {
        const slice = value.subarray(0, KEEP_LIMIT - keptBytes);
        kept.push(slice);
        keptBytes += slice.byteLength;
      }
    }
  } catch {
    // The body broke off or the timeout hit; the status already decided.
  } finally {
    if (read >= READ_LIMIT) controller.abort(new Error("read limit"));
    reader.cancel().catch(() => {});
  }

  return new TextDecoder().decode(Buffer.concat(kept));
}

/** Lets the DNS lookup, which takes no signal, lose to the timeout. */
function withAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** Maps whatever fetch or the guard threw to the spec's error names. */
export function classify(error: unknown, signal?: AbortSignal): AttemptError {
  if (error instanceof AddressError) return error.kind;
  if (error instanceof Timeout || signal?.reason instanceof Timeout) return "timeout";
  const code = String((error as { code?: string })?.code ?? "");
  const text = `${code} ${String((error as Error)?.message ?? error)}`;
  if (/ECONNREFUSED|ConnectionRefused/i.test(text)) return "connection_refused";
  if (/ETIMEDOUT|Timeout|TimedOut/i.test(text)) return "timeout";
  if (/ENOTFOUND|EAI_|DNS|getaddrinfo/i.test(text)) return "dns";
  if (/TLS|SSL|CERT|self.signed|UNABLE_TO_VERIFY|unable to get/i.test(text)) return "tls";

  // Resets, closes mid-answer and anything else that broke the connection.
  return "connection_reset";
}

// fetch() for workflows, on the host. A call goes out only to a host the
// workflow lists in `allowedHosts` (any port), and then only to an address
// the webhooks' address guard accepts (src/delivery/address-guard.ts):
// the name is resolved and checked here and the connection made to the
// checked IP, with the original Host header and TLS server name, exactly
// as webhook deliveries do. Redirects are followed by hand, at most five
// hops, each hop checked the same way. A response body is read up to
// 5 MiB. Whatever is refused rejects with a TypeError before anything is
// sent. The answer is plain data; no Response leaves this module.

import {
  type AllowList,
  canonical,
  formatIp,
  type Lookup,
  parseIp,
  resolveTarget,
  systemLookup,
} from "../delivery/address-guard";
import {
  FETCH_BODY_LIMIT_BYTES,
  FETCH_REDIRECT_LIMIT,
  type FetchRequest,
  type FetchResponse,
} from "./protocol";

/** A refusal the workflow sees as a TypeError. */
export class FetchRefused extends TypeError {}

/** Compares hosts the way the allow-list means them: names case-blind, IPs by value. */
export function hostKey(host: string): string {
  const bare = host.replace(/^\[(.*)\]$/, "$1");
  const ip = parseIp(bare);
  if (ip) return `ip:${formatIp(canonical(ip))}`;

  return `name:${bare.toLowerCase().replace(/\.$/, "")}`;
}

export interface FetchOptions {
  /** hostKey() of each allowed host. */
  allowedHosts: ReadonlySet<string>;
  allowAddress: AllowList;
  signal: AbortSignal;
  lookup?: Lookup;
}

// Headers the connection owns; a workflow's values for them are dropped.
const CONNECTION_HEADERS = new Set([
  "host",
  "connection",
  "content-length",
  "transfer-encoding",
  "keep-alive",
  "upgrade",
  "proxy-authorization",
  "te",
  "trailer",
]);

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function checkUrl(text: string, options: FetchOptions): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new FetchRefused(`"${text}" is not a valid URL.`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new FetchRefused(`fetch only speaks http and https, not ${url.protocol}`);
  }
  if (url.username || url.password) throw new FetchRefused("A fetch URL cannot carry credentials.");
  if (!options.allowedHosts.has(hostKey(url.hostname))) {
    throw new FetchRefused(
      `The host ${url.hostname} is not in this workflow's allowedHosts; add it to let the workflow call it.`,
    );
  }

  return url;
}

/** Sends one request, following redirects by hand; every hop is checked first. */
export async function guardedFetch(request: FetchRequest, options: FetchOptions): Promise<FetchResponse> {
  let url = checkUrl(request.url, options);
  let method = request.method;
  let body = request.body;
  const headers = request.headers.filter(([name]) => !CONNECTION_HEADERS.has(name.toLowerCase()));

  for (let hop = 0; ; hop++) {
    const response = await sendOnce(url, method, headers, body, options);
    const location = response.headers.get("location");
    if (!REDIRECTS.has(response.status) || request.redirect === "manual" || location === null) {
      return { ...(await readAnswer(response, options.signal)), url: url.href, redirected: hop > 0 };
    }
    await response.body?.cancel().catch(() => {});
    if (request.redirect === "error") throw new FetchRefused(`The answer redirects to ${location} and redirect is "error".`);
    if (hop + 1 > FETCH_REDIRECT_LIMIT) {
      throw new FetchRefused(`More than ${FETCH_REDIRECT_LIMIT} redirects; the last one pointed to ${location}.`);
    }
    url = checkUrl(new URL(location, url).href, options);
    // RFC 9110 §15.4: 303 becomes GET; browsers do the same for a POST on 301 and 302.
    if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === "POST")) {
      if (method !== "HEAD") method = "GET";
      body = null;
    }
  }
}

async function sendOnce(
  url: URL,
  method: string,
  headers: Array<[string, string]>,
  body: Uint8Array | null,
  options: FetchOptions,
): Promise<Response> {
  let target;
  try {
    target = await resolveTarget(url.hostname.replace(/^\[(.*)\]$/, "$1"), options.allowAddress, options.lookup ?? systemLookup);
  } catch (error) {
    throw new FetchRefused((error as Error).message);
  }
  const direct = new URL(url);
  direct.hostname = target.family === 6 ? `[${target.address}]` : target.address;
  const https = url.protocol === "https:";
  const hostIsName = parseIp(url.hostname.replace(/^\[(.*)\]$/, "$1")) === null;
  try {
    return await fetch(direct, {
      method,
      headers: [...headers, ["host", url.host]],
      body: body && method !== "GET" && method !== "HEAD" ? body : undefined,
      redirect: "manual",
      signal: options.signal,
      proxy: false,
      keepalive: !https,
      tls: https && hostIsName ? { serverName: url.hostname } : undefined,
    } as BunFetchRequestInit);
  } catch (error) {
    throw new FetchRefused(`The request to ${url.host} failed: ${(error as Error).message}`);
  }
}

/** Status, headers and up to 5 MiB of body, as plain data. */
async function readAnswer(response: Response, signal: AbortSignal): Promise<Omit<FetchResponse, "url" | "redirected">> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body?.getReader();
  if (reader) {
    try {
      for (;;) {
        if (signal.aborted) throw new FetchRefused("The execution ended while the body was being read.");
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > FETCH_BODY_LIMIT_BYTES) {
          throw new FetchRefused(`The response body is larger than ${FETCH_BODY_LIMIT_BYTES} bytes, the most a workflow may read.`);
        }
        chunks.push(value);
      }
    } catch (error) {
      if (error instanceof FetchRefused) throw error;
      throw new FetchRefused(`The response body broke off: ${(error as Error).message}`);
    } finally {
      reader.cancel().catch(() => {});
    }
  }
  // Bun has decoded any content-encoding; the length no longer matches.
  const headers = [...response.headers].filter(
    ([name]) => name !== "content-encoding" && name !== "content-length",
  ) as Array<[string, string]>;

  return { status: response.status, statusText: response.statusText, headers, body: new Uint8Array(Buffer.concat(chunks)) };
}

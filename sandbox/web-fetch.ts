// Request, Response and fetch as workflow code sees them. Bodies are held
// as bytes and headers as SandboxHeaders; nothing here wraps a platform
// Request or Response, which lockdown() leaves unfrozen. fetch() sends a
// plain description of the request to the host, which checks and sends
// it (src/sandbox/fetch.ts) and answers with plain data that becomes a
// fresh Response here. No side effects on import.

import type { FetchRequest, FetchResponse } from "../src/sandbox/protocol";
import { SandboxHeaders, type HeadersInit } from "./web-headers";
import { SandboxURL, SandboxURLSearchParams } from "./web-url";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

type BodyInit = string | ArrayBuffer | ArrayBufferView | SandboxURLSearchParams | null | undefined;

/** Copies a body into bytes and says which content type it implies. */
function readBody(body: BodyInit): { bytes: Uint8Array | null; type: string | null } {
  if (body === null || body === undefined) return { bytes: null, type: null };
  if (typeof body === "string") return { bytes: encoder.encode(body), type: "text/plain;charset=UTF-8" };
  if (body instanceof SandboxURLSearchParams) {
    return { bytes: encoder.encode(body.toString()), type: "application/x-www-form-urlencoded;charset=UTF-8" };
  }
  if (body instanceof ArrayBuffer) return { bytes: new Uint8Array(body.slice(0)), type: null };
  if (ArrayBuffer.isView(body)) {
    const view = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
    return { bytes: view.slice(), type: null };
  }

  return { bytes: encoder.encode(String(body)), type: "text/plain;charset=UTF-8" };
}

/** The body methods Request and Response share; a body reads once. */
class Body {
  #bytes: Uint8Array | null;
  #used = false;

  constructor(bytes: Uint8Array | null) {
    this.#bytes = bytes;
  }

  get bodyUsed(): boolean {
    return this.#used;
  }

  /** The bytes without consuming them, for clone() and fetch(). */
  protected peek(): Uint8Array | null {
    return this.#bytes;
  }

  #take(): Uint8Array {
    if (this.#used) throw new TypeError("The body has already been read.");
    this.#used = true;

    return this.#bytes ? this.#bytes.slice() : new Uint8Array(0);
  }

  async bytes(): Promise<Uint8Array> {
    return this.#take();
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    return this.#take().buffer as ArrayBuffer;
  }

  async text(): Promise<string> {
    return decoder.decode(this.#take());
  }

  async json(): Promise<unknown> {
    return JSON.parse(decoder.decode(this.#take()));
  }
}

interface RequestInit {
  method?: string;
  headers?: HeadersInit;
  body?: BodyInit;
  redirect?: "follow" | "manual" | "error";
}

const METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export class SandboxRequest extends Body {
  readonly url: string;
  readonly method: string;
  readonly headers: SandboxHeaders;
  readonly redirect: "follow" | "manual" | "error";

  constructor(input: string | SandboxURL | SandboxRequest, init: RequestInit = {}) {
    const from = input instanceof SandboxRequest ? input : null;
    const { bytes, type } =
      init.body !== undefined ? readBody(init.body) : { bytes: from ? from.peek() : null, type: null };
    super(bytes);
    this.url = from ? from.url : new SandboxURL(input).href;
    const method = String(init.method ?? from?.method ?? "GET");
    if (!METHOD.test(method)) throw new TypeError(`"${method}" is not a valid HTTP method.`);
    this.method = /^(delete|get|head|options|post|put|patch)$/i.test(method) ? method.toUpperCase() : method;
    if (bytes && (this.method === "GET" || this.method === "HEAD")) {
      throw new TypeError("A GET or HEAD request cannot have a body.");
    }
    this.headers = new SandboxHeaders(init.headers ?? from?.headers);
    if (type && !this.headers.has("content-type")) this.headers.set("content-type", type);
    this.redirect = init.redirect ?? from?.redirect ?? "follow";
    if (!["follow", "manual", "error"].includes(this.redirect)) {
      throw new TypeError('redirect must be "follow", "manual" or "error".');
    }
  }

  clone(): SandboxRequest {
    return new SandboxRequest(this);
  }

  /** The plain description the host gets. */
  static toPlain(request: SandboxRequest): FetchRequest {
    return {
      url: request.url,
      method: request.method,
      headers: SandboxHeaders.toPairs(request.headers),
      body: request.peek()?.slice() ?? null,
      redirect: request.redirect,
    };
  }
}

interface ResponseInit {
  status?: number;
  statusText?: string;
  headers?: HeadersInit;
}

export class SandboxResponse extends Body {
  readonly status: number;
  readonly statusText: string;
  readonly headers: SandboxHeaders;
  readonly url: string;
  readonly redirected: boolean;
  readonly type = "default";

  constructor(body?: BodyInit, init: ResponseInit = {}, meta: { url?: string; redirected?: boolean } = {}) {
    const { bytes, type } = readBody(body);
    super(bytes);
    const status = init.status ?? 200;
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      throw new RangeError(`A response status must be 200 to 599, got ${status}.`);
    }
    this.status = status;
    this.statusText = String(init.statusText ?? "");
    this.headers = new SandboxHeaders(init.headers);
    if (type && !this.headers.has("content-type")) this.headers.set("content-type", type);
    this.url = meta.url ?? "";
    this.redirected = meta.redirected ?? false;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  clone(): SandboxResponse {
    if (this.bodyUsed) throw new TypeError("A response whose body was read cannot be cloned.");
    return new SandboxResponse(this.peek(), this, { url: this.url, redirected: this.redirected });
  }

  static json(data: unknown, init: ResponseInit = {}): SandboxResponse {
    const headers = new SandboxHeaders(init.headers);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
    return new SandboxResponse(JSON.stringify(data), { ...init, headers });
  }

  static redirect(url: string, status = 302): SandboxResponse {
    if (![301, 302, 303, 307, 308].includes(status)) throw new RangeError("A redirect status must be 301, 302, 303, 307 or 308.");
    return new SandboxResponse(null, { status, headers: [["location", new SandboxURL(url).href]] });
  }

  /** A fresh Response over the host's plain answer. */
  static fromPlain(plain: FetchResponse): SandboxResponse {
    // Statuses below 200 never reach here (fetch does not return them);
    // the constructor's range check is for workflow-made responses.
    return new SandboxResponse(
      plain.body,
      { status: plain.status, statusText: plain.statusText, headers: plain.headers },
      { url: plain.url, redirected: plain.redirected },
    );
  }
}

export type HostFetch = (request: FetchRequest) => Promise<FetchResponse>;

/** The global fetch of one execution: every call goes to the host as plain data. */
export function makeFetch(send: HostFetch) {
  return async function fetch(input: string | SandboxURL | SandboxRequest, init?: RequestInit) {
    const request = new SandboxRequest(input, init);
    const answer = await send(SandboxRequest.toPlain(request));

    return SandboxResponse.fromPlain(answer);
  };
}

// Headers as workflow code sees them: a small class over a plain list of
// name/value pairs. The platform's own Headers is a host object that
// lockdown() leaves unfrozen, so workflow code never gets it (see the
// SES docs on "unpermitted intrinsics"); this one is hardened by the
// worker once lockdown() has run. Importing this module has no side
// effects.

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function headerName(name: unknown): string {
  const text = String(name);
  if (!TOKEN.test(text)) throw new TypeError(`"${text}" is not a valid header name.`);

  return text.toLowerCase();
}

function headerValue(value: unknown): string {
  const text = String(value).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "");
  if (/[\0\r\n]/.test(text)) throw new TypeError("A header value cannot contain NUL, CR or LF.");

  return text;
}

export type HeadersInit = SandboxHeaders | Array<[string, string]> | Record<string, string>;

export class SandboxHeaders {
  #pairs: Array<[string, string]> = [];

  constructor(init?: HeadersInit | null) {
    if (init === undefined || init === null) return;
    if (init instanceof SandboxHeaders) {
      for (const [name, value] of init.#pairs) this.#pairs.push([name, value]);
    } else if (Array.isArray(init)) {
      for (const pair of init) {
        if (!Array.isArray(pair) || pair.length !== 2) {
          throw new TypeError("Headers entries must be [name, value] pairs.");
        }
        this.append(pair[0], pair[1]);
      }
    } else if (typeof init === "object") {
      for (const name of Object.keys(init)) this.append(name, (init as Record<string, string>)[name]);
    } else {
      throw new TypeError("Headers takes an object, an array of pairs or another Headers.");
    }
  }

  append(name: string, value: string): void {
    this.#pairs.push([headerName(name), headerValue(value)]);
  }

  set(name: string, value: string): void {
    const key = headerName(name);
    this.#pairs = this.#pairs.filter(([n]) => n !== key);
    this.#pairs.push([key, headerValue(value)]);
  }

  get(name: string): string | null {
    const key = headerName(name);
    const values = this.#pairs.filter(([n]) => n === key).map(([, v]) => v);

    return values.length === 0 ? null : values.join(", ");
  }

  getSetCookie(): string[] {
    return this.#pairs.filter(([n]) => n === "set-cookie").map(([, v]) => v);
  }

  has(name: string): boolean {
    const key = headerName(name);
    return this.#pairs.some(([n]) => n === key);
  }

  delete(name: string): void {
    const key = headerName(name);
    this.#pairs = this.#pairs.filter(([n]) => n !== key);
  }

  /** Names sorted and repeated names combined, as the Fetch standard iterates them. */
  *entries(): IterableIterator<[string, string]> {
    const names = [...new Set(this.#pairs.map(([n]) => n))].sort();
    for (const name of names) {
      if (name === "set-cookie") {
        for (const value of this.getSetCookie()) yield [name, value];
      } else {
        yield [name, this.get(name) as string];
      }
    }
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  forEach(callback: (value: string, name: string, headers: SandboxHeaders) => void, thisArg?: unknown): void {
    for (const [name, value] of this.entries()) callback.call(thisArg, value, name, this);
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  /** A plain copy, for the message to the host. */
  static toPairs(headers: SandboxHeaders): Array<[string, string]> {
    return headers.#pairs.map(([n, v]) => [n, v]);
  }
}

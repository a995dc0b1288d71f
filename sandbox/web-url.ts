// URL and URLSearchParams as workflow code sees them. Parsing is the
// platform's (WHATWG URL), but its objects never reach workflow code:
// lockdown() leaves the platform's URL classes unfrozen, so a workflow
// that held one could change what the next execution or the worker itself
// uses. These classes keep only strings and hand out only strings. The
// worker hardens them after lockdown(). No side effects on import.

const HostURL = globalThis.URL;
const HostParams = globalThis.URLSearchParams;

function parse(input: unknown, base?: unknown): InstanceType<typeof HostURL> {
  try {
    return base === undefined ? new HostURL(String(input)) : new HostURL(String(input), String(base));
  } catch {
    throw new TypeError(`"${String(input)}" is not a valid URL.`);
  }
}

type ParamsInit = string | SandboxURLSearchParams | Array<[string, string]> | Record<string, string>;

export class SandboxURLSearchParams {
  #pairs: Array<[string, string]> = [];
  #onChange: ((search: string) => void) | null = null;

  constructor(init?: ParamsInit) {
    if (init === undefined || init === null) return;
    if (init instanceof SandboxURLSearchParams) {
      this.#pairs = init.#pairs.map(([k, v]) => [k, v]);
    } else if (Array.isArray(init)) {
      this.#pairs = init.map((pair) => {
        if (!Array.isArray(pair) || pair.length !== 2) {
          throw new TypeError("URLSearchParams entries must be [name, value] pairs.");
        }
        return [String(pair[0]), String(pair[1])];
      });
    } else if (typeof init === "object") {
      this.#pairs = Object.keys(init).map((k) => [k, String((init as Record<string, string>)[k])]);
    } else {
      this.#read(String(init));
    }
  }

  /** A URL's own params: changing them changes the URL's search. */
  static linked(search: string, onChange: (search: string) => void): SandboxURLSearchParams {
    const params = new SandboxURLSearchParams(search);
    params.#onChange = onChange;

    return params;
  }

  /** Called by the linked URL when its search changes. */
  static reset(params: SandboxURLSearchParams, search: string): void {
    params.#read(search);
  }

  #read(search: string): void {
    this.#pairs = [...new HostParams(search)].map(([k, v]) => [k, v]);
  }

  #changed(): void {
    this.#onChange?.(this.toString());
  }

  get size(): number {
    return this.#pairs.length;
  }

  append(name: string, value: string): void {
    this.#pairs.push([String(name), String(value)]);
    this.#changed();
  }

  delete(name: string, value?: string): void {
    const key = String(name);
    this.#pairs = this.#pairs.filter(([k, v]) => k !== key || (value !== undefined && v !== String(value)));
    this.#changed();
  }

  get(name: string): string | null {
    const key = String(name);
    return this.#pairs.find(([k]) => k === key)?.[1] ?? null;
  }

  getAll(name: string): string[] {
    const key = String(name);
    return this.#pairs.filter(([k]) => k === key).map(([, v]) => v);
  }

  has(name: string, value?: string): boolean {
    const key = String(name);
    return this.#pairs.some(([k, v]) => k === key && (value === undefined || v === String(value)));
  }

  set(name: string, value: string): void {
    const key = String(name);
    const at = this.#pairs.findIndex(([k]) => k === key);
    if (at < 0) {
      this.#pairs.push([key, String(value)]);
    } else {
      this.#pairs[at] = [key, String(value)];
      this.#pairs = this.#pairs.filter(([k], i) => k !== key || i <= at);
    }
    this.#changed();
  }

  sort(): void {
    this.#pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    this.#changed();
  }

  forEach(callback: (value: string, name: string, params: SandboxURLSearchParams) => void, thisArg?: unknown): void {
    for (const [k, v] of this.#pairs) callback.call(thisArg, v, k, this);
  }

  *entries(): IterableIterator<[string, string]> {
    for (const [k, v] of this.#pairs) yield [k, v];
  }

  *keys(): IterableIterator<string> {
    for (const [k] of this.#pairs) yield k;
  }

  *values(): IterableIterator<string> {
    for (const [, v] of this.#pairs) yield v;
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  toString(): string {
    return new HostParams(this.#pairs).toString();
  }
}

export class SandboxURL {
  #href: string;
  #params: SandboxURLSearchParams | null = null;

  constructor(input: unknown, base?: unknown) {
    const source = input instanceof SandboxURL ? input.href : input;
    const from = base instanceof SandboxURL ? base.href : base;
    this.#href = parse(source, from).href;
  }

  static canParse(input: unknown, base?: unknown): boolean {
    try {
      parse(input instanceof SandboxURL ? input.href : input, base instanceof SandboxURL ? base.href : base);
      return true;
    } catch {
      return false;
    }
  }

  static parse(input: unknown, base?: unknown): SandboxURL | null {
    try {
      return new SandboxURL(input, base);
    } catch {
      return null;
    }
  }

  /** Changes one part through the platform's parser and keeps the result. */
  #update(part: "href" | "protocol" | "username" | "password" | "host" | "hostname" | "port" | "pathname" | "search" | "hash", value: unknown): void {
    const url = part === "href" ? parse(value) : parse(this.#href);
    if (part !== "href") url[part] = String(value);
    this.#href = url.href;
    if (this.#params) SandboxURLSearchParams.reset(this.#params, url.search);
  }

  get href() { return this.#href; }
  set href(value: string) { this.#update("href", value); }
  get origin() { return parse(this.#href).origin; }
  get protocol() { return parse(this.#href).protocol; }
  set protocol(value: string) { this.#update("protocol", value); }
  get username() { return parse(this.#href).username; }
  set username(value: string) { this.#update("username", value); }
  get password() { return parse(this.#href).password; }
  set password(value: string) { this.#update("password", value); }
  get host() { return parse(this.#href).host; }
  set host(value: string) { this.#update("host", value); }
  get hostname() { return parse(this.#href).hostname; }
  set hostname(value: string) { this.#update("hostname", value); }
  get port() { return parse(this.#href).port; }
  set port(value: string) { this.#update("port", value); }
  get pathname() { return parse(this.#href).pathname; }
  set pathname(value: string) { this.#update("pathname", value); }
  get search() { return parse(this.#href).search; }
  set search(value: string) { this.#update("search", value); }
  get hash() { return parse(this.#href).hash; }
  set hash(value: string) { this.#update("hash", value); }

  get searchParams(): SandboxURLSearchParams {
    this.#params ??= SandboxURLSearchParams.linked(this.search, (search) => {
      const url = parse(this.#href);
      url.search = search;
      this.#href = url.href;
    });

    return this.#params;
  }

  toString(): string {
    return this.#href;
  }

  toJSON(): string {
    return this.#href;
  }
}

// The address guard: decides which IP an attempt may connect to. The host
// is resolved here, every address it resolves to is checked, and the
// client then connects to that checked address itself, so a DNS answer
// that changes between the check and the connection (rebinding) cannot
// slip a private address through. Numeric tricks are parsed the way
// inet_aton and the WHATWG URL parser read them (`0x7f000001`,
// `2130706433`, `0177.1`, `0`), and IPv6 forms that carry an IPv4 address
// (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`,
// 6to4 `2002::/16`) are checked as that IPv4 address too. Teredo
// (2001::/32) hides its client address obfuscated and is not unwrapped; it
// is public space and left to the network's own egress rules.
//
// Refused unless HERALD_ALLOW_PRIVATE_TARGETS names them: unspecified,
// loopback, private (RFC 1918), link-local (with cloud metadata at
// 169.254.169.254), CGNAT (RFC 6598), unique-local (RFC 4193), multicast,
// and the reserved, benchmarking and documentation ranges nobody serves
// webhooks from. Pure apart from the default DNS lookup; no side effects
// on import.

export interface Ip {
  family: 4 | 6;
  bytes: Uint8Array;
}

export interface CheckedAddress {
  /** The address to connect to, in a form a URL host takes (v6 unbracketed). */
  address: string;
  family: 4 | 6;
}

export type Lookup = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

export class AddressError extends Error {
  constructor(
    readonly kind: "blocked_address" | "dns",
    message: string,
  ) {
    super(message);
    this.name = "AddressError";
  }
}

/** inet_aton's reading of one dotted part: decimal, 0-octal or 0x-hex. */
function ipv4Part(part: string): number | null {
  if (/^0[xX][0-9a-fA-F]*$/.test(part)) return part.length === 2 ? 0 : Number.parseInt(part.slice(2), 16);
  if (/^0[0-7]+$/.test(part)) return Number.parseInt(part, 8);
  if (/^(?:0|[1-9][0-9]*)$/.test(part)) return Number(part);

  return null;
}

/** IPv4 in every numeric form inet_aton accepts: 1 to 4 parts, the last filling the rest. */
export function parseIPv4(text: string): Uint8Array | null {
  const parts = text.split(".");
  // The URL parser drops one trailing dot ("127.0.0.1."), so it is read the same way here.
  if (parts.length > 1 && parts[parts.length - 1] === "") parts.pop();
  if (parts.length === 0 || parts.length > 4) return null;
  const numbers: number[] = [];
  for (const part of parts) {
    const value = ipv4Part(part);
    if (value === null || !Number.isFinite(value)) return null;
    numbers.push(value);
  }
  const last = numbers.pop() as number;
  if (numbers.some((n) => n > 255)) return null;
  const spare = 4 - numbers.length;
  if (last >= 256 ** spare) return null;
  const bytes = new Uint8Array(4);
  numbers.forEach((n, i) => (bytes[i] = n));
  for (let i = 0; i < spare; i++) bytes[3 - i] = Math.floor(last / 256 ** i) % 256;

  return bytes;
}

/** IPv6, with or without brackets, a zone id, or a dotted IPv4 tail. */
export function parseIPv6(text: string): Uint8Array | null {
  let s = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  if (!s.includes(":") || !/^[0-9a-fA-F:.]+$/.test(s)) return null;

  const lastColon = s.lastIndexOf(":");
  const tail = s.slice(lastColon + 1);
  if (tail.includes(".")) {
    // Only plain dotted decimal is valid inside IPv6 (RFC 4291 2.2).
    if (!/^\d{1,3}(?:\.\d{1,3}){3}$/.test(tail)) return null;
    const v4 = tail.split(".").map(Number);
    if (v4.some((n) => n > 255)) return null;
    const high = ((v4[0] << 8) | v4[1]).toString(16);
    const low = ((v4[2] << 8) | v4[3]).toString(16);
    s = `${s.slice(0, lastColon + 1)}${high}:${low}`;
  }

  const halves = s.split("::");
  if (halves.length > 2) return null;
  const groups = (half: string) => (half === "" ? [] : half.split(":"));
  const head = groups(halves[0]);
  const rest = halves.length === 2 ? groups(halves[1]) : [];
  if ([...head, ...rest].some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return null;
  if (halves.length === 1 && head.length !== 8) return null;
  if (halves.length === 2 && head.length + rest.length > 7) return null;

  const all = [...head, ...Array(8 - head.length - rest.length).fill("0"), ...rest];
  const bytes = new Uint8Array(16);
  all.forEach((group, i) => {
    const value = Number.parseInt(group, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  });

  return bytes;
}

/** An IP literal in any accepted form, or null when `text` is a host name. */
export function parseIp(text: string): Ip | null {
  const v4 = parseIPv4(text);
  if (v4) return { family: 4, bytes: v4 };
  const v6 = parseIPv6(text);

  return v6 ? canonical({ family: 6, bytes: v6 }) : null;
}

const startsWith = (bytes: Uint8Array, prefix: number[]) => prefix.every((b, i) => bytes[i] === b);

/** An IPv4-mapped IPv6 address is that IPv4 address; everything else is itself. */
export function canonical(ip: Ip): Ip {
  if (ip.family === 6 && startsWith(ip.bytes, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff])) {
    return { family: 4, bytes: ip.bytes.slice(12) };
  }

  return ip;
}

/** The IPv4 address an IPv6 one carries (compatible, NAT64, 6to4), if any. */
function embeddedIPv4(ip: Ip): Uint8Array | null {
  if (ip.family !== 6) return null;
  const b = ip.bytes;
  if (startsWith(b, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])) return b.slice(12);
  if (startsWith(b, [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0])) return b.slice(12);
  if (startsWith(b, [0x20, 0x02])) return b.slice(2, 6);

  return null;
}

export function formatIp(ip: Ip): string {
  if (ip.family === 4) return [...ip.bytes].join(".");
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((ip.bytes[i] << 8) | ip.bytes[i + 1]).toString(16));

  return groups.join(":");
}

interface Cidr {
  family: 4 | 6;
  bytes: Uint8Array;
  prefix: number;
}

function inCidr(ip: Ip, cidr: Cidr): boolean {
  if (ip.family !== cidr.family) return false;
  let bits = cidr.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((ip.bytes[i] & mask) !== (cidr.bytes[i] & mask)) return false;
  }

  return true;
}

/** Parses `a.b.c.d/n`, `x::y/n` or a bare address (a /32 or /128). */
export function parseCidr(text: string): Cidr | null {
  const [address, prefixText, extra] = text.trim().split("/");
  if (extra !== undefined) return null;
  const v4 = /^\d{1,3}(?:\.\d{1,3}){3}$/.test(address) ? parseIPv4(address) : null;
  const v6 = v4 ? null : parseIPv6(address);
  const bytes = v4 ?? v6;
  if (!bytes) return null;
  const family = v4 ? 4 : 6;
  const max = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!/^\d+$/.test(prefixText ?? "0") || prefix > max) return null;

  return { family, bytes, prefix };
}

const cidr = (text: string): Cidr => parseCidr(text) as Cidr;

/** Ranges refused by default, with the name a log or error shows. */
const BLOCKED: Array<[Cidr, string]> = [
  [cidr("0.0.0.0/8"), "unspecified"],
  [cidr("10.0.0.0/8"), "private"],
  [cidr("100.64.0.0/10"), "CGNAT"],
  [cidr("127.0.0.0/8"), "loopback"],
  [cidr("169.254.0.0/16"), "link-local"],
  [cidr("172.16.0.0/12"), "private"],
  [cidr("192.0.0.0/24"), "reserved"],
  [cidr("192.0.2.0/24"), "documentation"],
  [cidr("192.168.0.0/16"), "private"],
  [cidr("198.18.0.0/15"), "benchmarking"],
  [cidr("198.51.100.0/24"), "documentation"],
  [cidr("203.0.113.0/24"), "documentation"],
  [cidr("224.0.0.0/4"), "multicast"],
  [cidr("240.0.0.0/4"), "reserved"],
  [cidr("::/128"), "unspecified"],
  [cidr("::1/128"), "loopback"],
  [cidr("::/96"), "IPv4-compatible"],
  // IPv4-translated (RFC 2765, ::ffff:0:a.b.c.d): never routed on the public
  // internet, and some stacks deliver it to the embedded IPv4 address.
  [cidr("::ffff:0:0:0/96"), "IPv4-translated"],
  [cidr("100::/64"), "discard-only"],
  [cidr("2001:db8::/32"), "documentation"],
  [cidr("fc00::/7"), "unique-local"],
  [cidr("fe80::/10"), "link-local"],
  [cidr("fec0::/10"), "site-local"],
  [cidr("ff00::/8"), "multicast"],
];

/** Why an address is refused by default, or null when it is public. */
export function blockedRange(input: Ip): string | null {
  const ip = canonical(input);
  for (const [range, name] of BLOCKED) if (inCidr(ip, range)) return name;
  const inner = embeddedIPv4(ip);
  if (inner) {
    const name = blockedRange({ family: 4, bytes: inner });
    if (name) return `${name} (inside IPv6)`;
  }

  return null;
}

export type AllowList = (ip: Ip) => boolean;

/** HERALD_ALLOW_PRIVATE_TARGETS as a predicate: `*` allows everything. */
export function makeAllowList(entries: readonly string[]): AllowList {
  if (entries.includes("*")) return () => true;
  const ranges = entries.map(parseCidr).filter((c): c is Cidr => c !== null);

  return (input) => {
    const ip = canonical(input);
    const inner = embeddedIPv4(ip);
    const carried = inner === null ? null : { family: 4 as const, bytes: inner };
    return ranges.some((range) => inCidr(ip, range) || (carried !== null && inCidr(carried, range)));
  };
}

/** Null when Herald may connect to `ip`, else the reason it may not. */
export function refusal(ip: Ip, allow: AllowList): string | null {
  const blocked = blockedRange(ip);
  if (blocked === null || allow(ip)) return null;

  return blocked;
}

export const systemLookup: Lookup = async (hostname) => Bun.dns.lookup(hostname, {});

/**
 * The address to connect to for `hostname` (a URL's hostname: a name, or
 * an IP literal in any form). Every address the name resolves to must
 * pass; one refused address refuses the host, since a resolver may hand
 * either one to the next caller.
 */
export async function resolveTarget(
  hostname: string,
  allow: AllowList,
  lookup: Lookup = systemLookup,
): Promise<CheckedAddress> {
  const literal = parseIp(hostname);
  let candidates: Ip[];
  if (literal) {
    candidates = [literal];
  } else {
    let answers: Array<{ address: string; family: number }>;
    try {
      answers = await lookup(hostname);
    } catch (error) {
      const code = (error as { code?: string }).code ?? "lookup failed";
      throw new AddressError("dns", `The host name did not resolve: ${code}.`);
    }
    candidates = answers.map((a) => parseIp(a.address)).filter((ip): ip is Ip => ip !== null);
    if (candidates.length === 0) throw new AddressError("dns", "The host name resolved to no address.");
  }

  for (const ip of candidates) {
    const reason = refusal(ip, allow);
    if (reason) {
      throw new AddressError("blocked_address", `The target resolves to a ${reason} address (${formatIp(canonical(ip))}), which Herald does not send to. Allow it with HERALD_ALLOW_PRIVATE_TARGETS.`);
    }
  }
  // IPv4 first: hosts with AAAA records often sit in networks without a v6 route.
  const chosen = candidates.find((ip) => canonical(ip).family === 4) ?? candidates[0];
  const ip = canonical(chosen);

  return { address: formatIp(ip), family: ip.family };
}

// What a webhook request may carry so that what is stored is exactly what
// is sent: header names and values, and URLs that mean what they say.
// The API checks webhooks with these rules when they are made or changed,
// and the HTTP client checks every attempt again before it connects, so a
// row written some other way fails honestly instead of on the wire.
// Pure functions; importing this module has no side effects.

import { domainToUnicode } from "node:url";

/** RFC 9110 §5.6.2 token characters: what a header name may be made of. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * RFC 9110 §5.5 field values, narrowed to ASCII: visible characters with
 * spaces and tabs between them. Other bytes are obsolete (obs-text) and
 * clients disagree on them: Bun's fetch refuses anything past U+00FF and
 * sends other controls raw. Leading and trailing whitespace is not part
 * of a value; fetch strips it, so a value carrying it would not arrive as
 * stored.
 */
const CONTROL = /[\0-\x08\x0a-\x1f\x7f]/;
const NON_ASCII = /[^\0-\x7f]/;
const EDGE_SPACE = /^[ \t]|[ \t]$/;

/** Why a header cannot be sent as given, or null. Never quotes the value: it may be a credential. */
export function headerProblem(name: string, value: string): string | null {
  if (!TOKEN.test(name)) {
    return `"${printable(name)}" is not a valid header name: use letters, digits and !#$%&'*+-.^_\`|~ only.`;
  }
  if (/[\r\n]/.test(value)) return `the value of "${name}" must not contain line breaks.`;
  if (CONTROL.test(value)) {
    return `the value of "${name}" must not contain control characters (NUL, DEL and the like).`;
  }
  if (NON_ASCII.test(value)) {
    return `the value of "${name}" must be ASCII; encode other text, for example with percent-encoding.`;
  }
  if (EDGE_SPACE.test(value)) {
    return `the value of "${name}" must not start or end with a space or tab, which HTTP drops.`;
  }

  return null;
}

/** Whitespace of any kind, controls and backslashes (which URL parsers read as `/`). */
const UNSENDABLE_URL = /[\s\p{Cc}\p{Zs}\p{Zl}\p{Zp}\\]/u;
const DOTTED_QUAD = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * Why an absolute http(s) URL cannot be sent as written, or null. The
 * WHATWG parser that fetch uses repairs a lot silently: it drops spaces
 * around a URL and tabs and newlines inside it, collapses `http:///x` to
 * host `x`, reads `http:x` as `http://x`, decodes `%6c` in a host and maps
 * look-alike Unicode (full-width letters, `。`, soft hyphens) to ASCII.
 * Each is refused here, so the stored URL is the one requests go to.
 * Numeric IPv4 forms (`0x7f.1`, `2130706433`) and IPv6 spellings are
 * kept: they name one address exactly, and the address guard checks the
 * address they name on every attempt.
 */
export function urlProblem(text: string): string | null {
  if (UNSENDABLE_URL.test(text)) {
    return "must not contain spaces, tabs, line breaks, control characters or backslashes.";
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "must be an absolute http or https URL, such as https://example.com/hooks.";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return `must use http or https, not ${url.protocol.replace(":", "")}.`;
  }
  const written = /^https?:\/\/([^/?#]*)/i.exec(text);
  if (!written) return `must start with ${url.protocol}// and the host.`;
  const authority = written[1];
  if (url.username !== "" || url.password !== "" || authority.includes("@")) {
    return "must not carry credentials; send them in `headers` instead.";
  }
  const { host, port } = splitAuthority(authority);
  if (host === "") return "must name a host, as in https://example.com/hooks.";
  if (port !== null && !/^\d{1,5}$/.test(port)) return "must give its port as a number from 1 to 65535.";
  if (port !== null && (Number(port) < 1 || Number(port) > 65_535)) {
    return "must give its port as a number from 1 to 65535.";
  }
  if (!hostKept(host, url.hostname)) {
    return `must write its host plainly: "${printable(host)}" would be read as "${url.hostname}".`;
  }
  if (url.hash !== "") return "must not have a #fragment: it is never sent.";

  return null;
}

function splitAuthority(authority: string): { host: string; port: string | null } {
  const end = authority.startsWith("[") ? authority.indexOf("]") + 1 : 0;
  const colon = authority.indexOf(":", end);
  if (colon === -1) return { host: authority, port: null };

  return { host: authority.slice(0, colon), port: authority.slice(colon + 1) };
}

/** Whether the parser kept the written host, up to case, IDNA and numeric IP spelling. */
function hostKept(written: string, parsed: string): boolean {
  if (written.includes("%")) return false;
  if (written.startsWith("[")) return parsed.startsWith("[");
  const lower = written.toLowerCase();
  if (lower === parsed) return true;
  if (DOTTED_QUAD.test(parsed) && /^[0-9a-fx.]+$/.test(lower)) return true;

  return /[^\0-\x7f]/.test(written) && domainToUnicode(parsed) === lower.normalize("NFC");
}

/** A name or host for an error message, with controls shown as escapes. */
function printable(text: string): string {
  return JSON.stringify(text.slice(0, 100)).slice(1, -1);
}

// The hosts a workflow's fetch may call, checked strictly when the
// workflow is saved: each entry is a DNS host name (RFC 1123 labels:
// letters, digits and hyphens, 1 to 63 each, no hyphen at either end,
// at most 253 in all) or an IP literal (dotted IPv4, IPv6 with or without
// brackets). An entry is kept lower-cased, without a trailing dot and
// with IPv6 in its short form; nothing else about it is rewritten. Any
// other text is refused naming the entry: a wildcard ("*",
// "*.example.com") is not supported, and text a URL parser would quietly
// change ("%41.com", "a\nb.com", "2130706433") is refused rather than
// stored as something the user did not write. No side effects on import.

import { invalid } from "../../http/errors";

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const IPV4 = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);
// A last label that the WHATWG URL parser reads as a number makes the
// whole name an IPv4 address ("ends in a number").
const NUMERIC_LABEL = /^(?:\d+|0x[0-9a-f]*)$/;

const EXAMPLE = '(e.g. "api.example.com" or "203.0.113.7")';

function ipv6(text: string): string | null {
  const inner = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  if (!inner.includes(":") || !/^[0-9a-f:.]+$/i.test(inner)) return null;
  try {
    return new URL(`http://[${inner}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
}

function asciiForm(text: string): string | null {
  try {
    const host = new URL(`http://${text}/`).hostname;
    return /^[\x21-\x7e]+$/.test(host) ? host : null;
  } catch {
    return null;
  }
}

/** The entry as the allow-list keeps it, or a 422 naming it and saying why. */
export function checkHost(raw: string, field: string): string {
  const refuse = (why: string) => invalid(field, `${JSON.stringify(raw)} ${why}`);
  if (/[\s\u0000-\u001f\u007f]/.test(raw)) {
    throw refuse(`holds white space or a control character; give the host name alone ${EXAMPLE}.`);
  }
  if (raw.includes("*")) {
    throw refuse(`is a wildcard, which allowedHosts does not support; list each host by its name ${EXAMPLE}.`);
  }
  if (/[/?#@\\%]/.test(raw)) {
    throw refuse(`is not a host name or IP literal; give it without scheme, path, credentials or escapes ${EXAMPLE}.`);
  }
  if (raw.includes(":")) {
    const address = ipv6(raw);
    if (address === null && /^(?:[^:]*|\[.*\]):\d*$/.test(raw)) {
      throw refuse(`names a port; give the host alone, since any port of a listed host is allowed ${EXAMPLE}.`);
    }
    if (address === null) throw refuse(`is not a valid IPv6 literal ${EXAMPLE}.`);
    return address;
  }
  if (IPV4.test(raw)) return raw;
  if (/^\d+(?:\.\d*)*$/.test(raw)) {
    throw refuse('is not an IPv4 address: four numbers from 0 to 255 joined by dots, without leading zeros (e.g. "203.0.113.7").');
  }
  if (/[^\x00-\x7f]/.test(raw)) {
    const ascii = asciiForm(raw);
    const hint = ascii ? `give its ASCII form, "${ascii}"` : "give its ASCII (xn--) form";
    throw refuse(`is not an ASCII host name; ${hint}.`);
  }

  const name = (raw.endsWith(".") ? raw.slice(0, -1) : raw).toLowerCase();
  const labels = name.split(".");
  if (name === "" || name.length > 253 || !labels.every((label) => LABEL.test(label))) {
    throw refuse(
      `is not a host name: labels of letters, digits and hyphens (1 to 63 each, no hyphen first or last) joined by dots, at most 253 in all ${EXAMPLE}.`,
    );
  }
  if (NUMERIC_LABEL.test(labels[labels.length - 1])) {
    throw refuse('ends in a number, which URLs read as an IPv4 address; give the address in dotted form (e.g. "127.0.0.1").');
  }

  return name;
}

export function checkHosts(hosts: readonly string[] | undefined): string[] {
  const out = (hosts ?? []).map((raw, index) => checkHost(raw, `allowedHosts.${index}`));

  return [...new Set(out)];
}

// Standard Webhooks signing (https://www.standardwebhooks.com/): the
// signed content is `<msg id>.<unix seconds>.<body>`, the MAC is
// HMAC-SHA256 keyed by the bytes base64-encoded after `whsec_`, and the
// header carries `v1,<base64 MAC>` once per secret, space-separated, so a
// receiver holding either the old or the new secret accepts the request
// during a rotation. Pure functions; no side effects on import.

import { createHmac, randomBytes } from "node:crypto";

const PREFIX = "whsec_";
const STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The spec allows caller secrets of 24 to 64 bytes. */
export const SECRET_MIN_BYTES = 24;
export const SECRET_MAX_BYTES = 64;

/** A new secret: `whsec_` and the base64 of 32 random bytes. */
export function generateSecret(): string {
  return PREFIX + randomBytes(32).toString("base64");
}

/**
 * Why a caller's secret is refused, or null when it is fine. Only
 * standard, padded base64 is taken, so the key a receiver derives from the
 * same text is byte for byte the key Herald signs with.
 */
export function secretProblem(secret: string): string | null {
  if (!secret.startsWith(PREFIX)) return "must start with whsec_.";
  const encoded = secret.slice(PREFIX.length);
  if (!STANDARD_BASE64.test(encoded) || encoded.length === 0) {
    return "must be whsec_ followed by standard base64 (A-Z, a-z, 0-9, +, / and = padding).";
  }
  const bytes = Buffer.from(encoded, "base64").length;
  if (bytes < SECRET_MIN_BYTES || bytes > SECRET_MAX_BYTES) {
    return `must encode ${SECRET_MIN_BYTES} to ${SECRET_MAX_BYTES} bytes, this one encodes ${bytes}.`;
  }

  return null;
}

/** The HMAC key: the decoded bytes after `whsec_`. */
export function secretKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, "base64");
}

/** One `v1,<base64>` signature of `id.timestamp.body`. */
export function sign(secret: string, msgId: string, timestamp: number, body: string): string {
  const mac = createHmac("sha256", secretKey(secret))
    .update(`${msgId}.${timestamp}.${body}`)
    .digest("base64");

  return `v1,${mac}`;
}

/** The webhook-signature header value: one signature per secret. */
export function signatureHeader(
  secrets: readonly string[],
  msgId: string,
  timestamp: number,
  body: string,
): string {
  return secrets.map((secret) => sign(secret, msgId, timestamp, body)).join(" ");
}

// Client tokens for the WebSocket connect route. A token names a room, a
// user (and which incarnation of that user: their createdAt, so deleting a
// user and adding one with the same id voids the old tokens) and an expiry,
// and carries an HMAC-SHA256 of those over a server secret.
//
// The secret is 32 random bytes kept in `<dataDir>/presence-token.key`
// (mode 0600), made on first start. A file rather than a table: it is a key,
// not data, and a database backup handed to someone should not let them mint
// tokens. Restoring a backup into a new data directory therefore voids the
// tokens in flight, which clients survive by asking for a new one.
//
// Format: base64url(JSON claims) "." base64url(HMAC). Importing this module
// has no side effects; loadTokenSecret() touches the disk.

import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const TOKEN_SECRET_FILE = "presence-token.key";
const SECRET_BYTES = 32;

export interface TokenClaims {
  /** Room id. */
  r: string;
  /** User id. */
  u: string;
  /** The user's createdAt when the token was made. */
  c: string;
  /** Expiry, epoch milliseconds. */
  e: number;
}

/** Reads the secret, or makes it when this data directory has none yet. */
export function loadTokenSecret(dataDir: string): Buffer {
  const path = join(dataDir, TOKEN_SECRET_FILE);
  try {
    // "wx" fails when the file exists, so two processes racing on a fresh
    // data directory end up reading the same secret.
    writeFileSync(path, randomBytes(SECRET_BYTES).toString("base64url"), {
      flag: "wx",
      mode: 0o600,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const secret = Buffer.from(readFileSync(path, "utf8").trim(), "base64url");
  if (secret.length < SECRET_BYTES) {
    throw new Error(
      `${path} does not hold a ${SECRET_BYTES}-byte key. Delete it to make a new one (outstanding client tokens stop working).`,
    );
  }

  return secret;
}

const mac = (secret: Buffer, body: string) => createHmac("sha256", secret).update(body).digest();

export function signToken(secret: Buffer, claims: TokenClaims): string {
  const body = Buffer.from(JSON.stringify(claims)).toString("base64url");

  return `${body}.${mac(secret, body).toString("base64url")}`;
}

/**
 * The claims of a token whose signature holds, or null. Expiry and the
 * room are the caller's to check, so it can say which one failed.
 */
export function readToken(secret: Buffer, token: string): TokenClaims | null {
  const parts = token.split(".");
  if (parts.length !== 2) return null;
  const [body, signature] = parts;
  const given = Buffer.from(signature, "base64url");
  const expected = mac(secret, body);
  // timingSafeEqual needs equal lengths; the length of a MAC is no secret.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
    const valid =
      typeof claims?.r === "string" &&
      typeof claims.u === "string" &&
      typeof claims.c === "string" &&
      typeof claims.e === "number";

    return valid ? (claims as TokenClaims) : null;
  } catch {
    return null;
  }
}

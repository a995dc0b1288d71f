// Seals short secrets (webhook signing secrets, workflow secrets) before
// they are written to the database, and opens them when read. With
// HERALD_SECRET_KEY set they are encrypted with AES-256-GCM under a key
// derived from it (HKDF-SHA256), so a copy of the database file alone does
// not give the secrets away; without it they are stored as they are.
// Importing this module has no side effects.
//
// Stored forms:
//   plain:<text>                          no HERALD_SECRET_KEY when sealed
//   enc:v1:<base64url(iv | ciphertext | tag)>
// A value in neither form (written before this helper existed) opens as
// itself. The optional `context` (e.g. the row id) is bound in as GCM
// associated data, so a sealed value copied to another row will not open.

import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const ENCRYPTED = "enc:v1:";
const PLAIN = "plain:";
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface SecretBox {
  /** True when secrets are encrypted at rest. */
  readonly encrypts: boolean;
  seal(plain: string, context?: string): string;
  open(stored: string, context?: string): string;
}

export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretBoxError";
  }
}

const boxes = new Map<string, SecretBox>();

/** The box for a HERALD_SECRET_KEY value (or none); built once per value. */
export function secretBox(secretKey: string | undefined): SecretBox {
  const id = secretKey ?? "";
  let box = boxes.get(id);
  if (!box) {
    box = makeSecretBox(secretKey);
    boxes.set(id, box);
  }

  return box;
}

function makeSecretBox(secretKey: string | undefined): SecretBox {
  const key = secretKey
    ? Buffer.from(hkdfSync("sha256", secretKey, "herald", "herald secret-box v1", 32))
    : undefined;

  return {
    encrypts: key !== undefined,
    seal(plain, context = "") {
      if (!key) return PLAIN + plain;
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      cipher.setAAD(Buffer.from(context));
      const sealed = Buffer.concat([iv, cipher.update(plain, "utf8"), cipher.final(), cipher.getAuthTag()]);

      return ENCRYPTED + sealed.toString("base64url");
    },
    open(stored, context = "") {
      if (stored.startsWith(PLAIN)) return stored.slice(PLAIN.length);
      if (!stored.startsWith(ENCRYPTED)) return stored;
      if (!key) {
        throw new SecretBoxError(
          "A secret in the database is encrypted but HERALD_SECRET_KEY is not set. Start Herald with the key it was written with.",
        );
      }
      const sealed = Buffer.from(stored.slice(ENCRYPTED.length), "base64url");
      if (sealed.length < IV_BYTES + TAG_BYTES) throw unreadable();
      const iv = sealed.subarray(0, IV_BYTES);
      const tag = sealed.subarray(sealed.length - TAG_BYTES);
      const body = sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES);
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, iv);
        decipher.setAAD(Buffer.from(context));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
      } catch {
        throw unreadable();
      }
    },
  };
}

const unreadable = () =>
  new SecretBoxError(
    "A secret in the database cannot be decrypted with this HERALD_SECRET_KEY: it was written with another key, or changed.",
  );

// A webhook's signing secrets as stored: the current one, and the earlier
// ones a rotation keeps signing until their grace runs out. Both are
// sealed with the secret box (encrypted when HERALD_SECRET_KEY is set),
// bound to the webhook's id.

import type { Config } from "../../config";
import { secretBox } from "../../delivery/secret-box";

export interface PreviousSecret {
  /** Sealed, like the current secret. */
  secret: string;
  /** ISO time after which it no longer signs. */
  expiresAt: string;
}

/** At most this many old secrets sign beside the current one. */
const PREVIOUS_MAX = 5;

export function sealSecret(config: Readonly<Config>, webhookId: string, secret: string): string {
  return secretBox(config.secretKey).seal(secret, webhookId);
}

export function openSecret(config: Readonly<Config>, webhookId: string, stored: string): string {
  return secretBox(config.secretKey).open(stored, webhookId);
}

export function parsePrevious(text: string): PreviousSecret[] {
  try {
    const list = JSON.parse(text);
    return Array.isArray(list) ? list : [];
  } catch {
    return [];
  }
}

/**
 * The old secrets still valid after a rotation at `now`: the current
 * (sealed) secret joins the list for `graceSeconds`, expired ones leave,
 * and only the newest few stay.
 */
export function rotatePrevious(
  storedCurrent: string,
  previousText: string,
  graceSeconds: number,
  now: number,
): PreviousSecret[] {
  const kept = parsePrevious(previousText).filter((p) => Date.parse(p.expiresAt) > now);
  if (graceSeconds > 0) {
    kept.unshift({ secret: storedCurrent, expiresAt: new Date(now + graceSeconds * 1000).toISOString() });
  }

  return kept.slice(0, PREVIOUS_MAX);
}

/** Every secret that signs an attempt at `now`, the current one first. */
export function signingSecrets(
  config: Readonly<Config>,
  row: { id: string; secret: string; previousSecrets: string },
  now: number,
): string[] {
  const previous = parsePrevious(row.previousSecrets)
    .filter((p) => Date.parse(p.expiresAt) > now)
    .map((p) => openSecret(config, row.id, p.secret));

  return [openSecret(config, row.id, row.secret), ...previous];
}

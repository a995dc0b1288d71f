// Ids Herald makes: a prefix and a nanoid. Rooms and users may instead
// carry the caller's own ids, checked against USER_ID_PATTERN.

import { customAlphabet } from "nanoid";

const alphabet = customAlphabet("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", 21);

export type IdPrefix = "wh" | "wf" | "evt" | "dlv" | "exe" | "key" | "ses" | "room" | "user" | "att";

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${alphabet()}`;
}

/** Caller-given room and user ids: 1 to 128 of [A-Za-z0-9._:-], never "." or "..". */
export const CALLER_ID_PATTERN = "^(?!\\.{1,2}$)[A-Za-z0-9._:-]{1,128}$";

export const nowIso = (at: number = Date.now()) => new Date(at).toISOString();

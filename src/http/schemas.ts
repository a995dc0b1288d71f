// Schemas for JSON objects whose keys are the caller's own: metadata, event
// data, a store read. No side effects on import.

import { t, type TSchema } from "elysia";

/**
 * Matches every string, line terminators included. TypeBox's default
 * record key, "^(.*)$", does not: "." stops at \n, \r, U+2028 and U+2029,
 * and with `normalize: "typebox"` a key the pattern misses is cleaned away
 * before validation, so the request succeeds with that key silently gone.
 */
export const ANY_KEY = "^[\\s\\S]*$";

type RecordOptions = Parameters<typeof t.Record>[2];

/** A JSON object that keeps every key it is given, whatever the key holds. */
export const JsonObject = (options?: RecordOptions) => t.Record(t.String({ pattern: ANY_KEY }), t.Unknown(), options);

/** Like JsonObject, with every value checked against `value`. */
export const JsonRecord = <T extends TSchema>(value: T, options?: RecordOptions) =>
  t.Record(t.String({ pattern: ANY_KEY }), value, options);

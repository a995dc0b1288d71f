// The shapes of stores on the wire. Store and key names travel in the URL
// path, so they keep to characters that need no escaping.

import { t } from "elysia";
import { CALLER_ID_PATTERN } from "../../ids";

/** A stored value's JSON text may be at most this long (64 KiB). */
export const VALUE_LIMIT_BYTES = 64 * 1024;

export const STORE_NAME_PATTERN = "^(?!\\.{1,2}$)[A-Za-z0-9._:-]{1,64}$";
export const KEY_NAME_PATTERN = "^(?!\\.{1,2}$)[A-Za-z0-9._:@-]{1,256}$";

export const StoreParams = t.Object({
  roomId: t.String({ pattern: CALLER_ID_PATTERN, description: "The room's id." }),
  store: t.String({
    pattern: STORE_NAME_PATTERN,
    description: "Store name: 1 to 64 of A-Z a-z 0-9 . _ : - (not `.` or `..`).",
  }),
});

export const KeyParams = t.Composite([
  StoreParams,
  t.Object({
    key: t.String({
      pattern: KEY_NAME_PATTERN,
      description: "Key: 1 to 256 of A-Z a-z 0-9 . _ : @ - (not `.` or `..`).",
    }),
  }),
]);

export const Entry = t.Object({
  key: t.String(),
  value: t.Unknown({ description: "Any JSON value." }),
  updatedAt: t.String({ format: "date-time" }),
});

export const StoreSummary = t.Object({
  name: t.String(),
  keyCount: t.Integer(),
  updatedAt: t.String({ format: "date-time", description: "When any of its keys last changed." }),
});

export const PutBody = t.Object(
  { value: t.Unknown({ description: "Any JSON value whose JSON text is at most 64 KiB; null is a value." }) },
  { required: ["value"] },
);

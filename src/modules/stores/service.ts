// Room stores: named key-value maps whose values are any JSON value of at
// most 64 KiB. A store exists while it holds a key; reading an empty or
// unknown store answers no keys rather than 404, as a KV namespace does.

import { and, asc, count, eq, gt, max } from "drizzle-orm";
import type { DbOrTx } from "../../db/client";
import { storeEntries } from "../../db/schema";
import { HeraldError, invalid, notFound } from "../../http/errors";
import { decodeCursor, type Page, toPage } from "../../http/pagination";
import { nowIso } from "../../ids";
import { VALUE_LIMIT_BYTES } from "./model";

export interface StoreSummary {
  name: string;
  keyCount: number;
  updatedAt: string;
}

export interface Entry {
  key: string;
  value: unknown;
  updatedAt: string;
}

/** Store names in name order, each with its key count. */
export function listStores(db: DbOrTx, roomId: string, limit: number, cursor?: string): Page<StoreSummary> {
  const from = decodeCursor(cursor);
  const rows = db
    .select({ name: storeEntries.store, keyCount: count(), updatedAt: max(storeEntries.updatedAt) })
    .from(storeEntries)
    .where(and(eq(storeEntries.roomId, roomId), from ? gt(storeEntries.store, from.id) : undefined))
    .groupBy(storeEntries.store)
    .orderBy(asc(storeEntries.store))
    .limit(limit + 1)
    .all();

  return toPage(
    rows,
    limit,
    (row) => [row.name, row.name],
    (row) => ({ name: row.name, keyCount: row.keyCount, updatedAt: row.updatedAt ?? "" }),
  );
}

/** Every key of one store with its value, in key order. */
export function readStore(db: DbOrTx, roomId: string, store: string): Record<string, unknown> {
  const rows = db
    .select({ key: storeEntries.key, value: storeEntries.value })
    .from(storeEntries)
    .where(and(eq(storeEntries.roomId, roomId), eq(storeEntries.store, store)))
    .orderBy(asc(storeEntries.key))
    .all();
  // No prototype: a key named __proto__ is an ordinary key, not the object's prototype.
  const data: Record<string, unknown> = Object.create(null);
  for (const row of rows) data[row.key] = JSON.parse(row.value);

  return data;
}

export function readEntry(db: DbOrTx, roomId: string, store: string, key: string): Entry {
  const row = db
    .select()
    .from(storeEntries)
    .where(and(eq(storeEntries.roomId, roomId), eq(storeEntries.store, store), eq(storeEntries.key, key)))
    .get();
  if (!row) throw notFound(`Key ${key} in store ${store}`);

  return { key: row.key, value: JSON.parse(row.value), updatedAt: row.updatedAt };
}

/** Sets a key, made or replaced; the value must serialise to at most 64 KiB. */
export function writeEntry(db: DbOrTx, roomId: string, store: string, key: string, value: unknown): Entry {
  if (value === undefined) throw invalid("value", "is required; send { \"value\": <any JSON value> }.");
  const text = JSON.stringify(value);
  const size = Buffer.byteLength(text);
  if (size > VALUE_LIMIT_BYTES) {
    throw new HeraldError(
      "payload_too_large",
      `value: must be at most ${VALUE_LIMIT_BYTES} bytes of JSON; this one is ${size} bytes.`,
      [{ field: "value", message: `must be at most ${VALUE_LIMIT_BYTES} bytes of JSON` }],
    );
  }
  const updatedAt = nowIso();
  db.insert(storeEntries)
    .values({ roomId, store, key, value: text, updatedAt })
    .onConflictDoUpdate({
      target: [storeEntries.roomId, storeEntries.store, storeEntries.key],
      set: { value: text, updatedAt },
    })
    .run();

  return { key, value, updatedAt };
}

/** Removes a key; 404 when it was not there. */
export function deleteEntry(db: DbOrTx, roomId: string, store: string, key: string): void {
  const removed = db
    .delete(storeEntries)
    .where(and(eq(storeEntries.roomId, roomId), eq(storeEntries.store, store), eq(storeEntries.key, key)))
    .returning({ key: storeEntries.key })
    .all();
  if (removed.length === 0) throw notFound(`Key ${key} in store ${store}`);
}

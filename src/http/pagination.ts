// Cursor pagination shared by every list: newest first by creation time,
// so a cursor names the last row seen and stays valid while rows are added.
// Rows made in the same millisecond are ordered by SQLite's rowid, which
// rises with each insert: ids are random, so they cannot break such ties
// in creation order. The cursor still carries (createdAt, id), and the
// tie is settled by looking up that row's rowid.

import { and, desc, eq, lt, or, sql, type Column, type SQL } from "drizzle-orm";
import { t } from "elysia";
import { HeraldError } from "./errors";

export const listQuery = {
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 100, default: 20, description: "Items per page, 1 to 100." })),
  cursor: t.Optional(t.String({ maxLength: 512, description: "The `nextCursor` of the previous page." })),
};

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface Cursor {
  at: string;
  id: string;
}

export function encodeCursor(at: string | number, id: string): string {
  return Buffer.from(JSON.stringify([at, id])).toString("base64url");
}

export function decodeCursor(cursor: string | undefined): Cursor | undefined {
  if (cursor === undefined || cursor === "") return undefined;
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if ((typeof at === "string" || typeof at === "number") && typeof id === "string") {
      return { at: String(at), id };
    }
  } catch {}
  throw new HeraldError("validation_failed", "cursor: is not a cursor this list gave out.", [
    { field: "cursor", message: "is not a cursor this list gave out" },
  ]);
}

/** The WHERE part that starts a newest-first page after `cursor`. */
export function after(cursor: Cursor | undefined, at: Column, id: Column): SQL | undefined {
  if (!cursor) return undefined;

  const table = id.table;
  const lastSeen = sql`(SELECT max(seen.rowid) FROM ${table} AS seen
    WHERE seen.${sql.identifier(id.name)} = ${cursor.id} AND seen.${sql.identifier(at.name)} = ${cursor.at})`;

  return or(lt(at, cursor.at), and(eq(at, cursor.at), sql`${rowid(id)} < ${lastSeen}`));
}

/** The rowid of the table a column belongs to, qualified by its name. */
const rowid = (column: Column) => sql`${column.table}.rowid`;

export const newestFirst = (at: Column, id: Column) => [desc(at), desc(rowid(id))];

/**
 * Builds the page from rows fetched with `limit + 1`: the extra row only
 * tells whether there is a next page.
 */
export function toPage<R, T>(
  rows: R[],
  limit: number,
  key: (row: R) => [string | number, string],
  map: (row: R) => T,
): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];

  return {
    data: kept.map(map),
    nextCursor: more && last ? encodeCursor(...key(last)) : null,
  };
}

// Statements prepared once per database. Building and compiling a drizzle
// query costs more than running it, so the per-request lookups (the API
// key, the room) keep theirs here. On SQLite there is one connection, so a
// statement prepared on the database also runs inside a transaction that
// is open on it.

import { SQLiteTransaction } from "drizzle-orm/sqlite-core";
import type { Db, DbOrTx } from "./client";

const cache = new WeakMap<Db, Map<string, unknown>>();

/** The statement `build` makes for `db`, made on first use. */
export function preparedFor<T>(db: Db, name: string, build: (db: Db) => T): T {
  let statements = cache.get(db);
  if (!statements) {
    statements = new Map();
    cache.set(db, statements);
  }
  let statement = statements.get(name) as T | undefined;
  if (statement === undefined) {
    statement = build(db);
    statements.set(name, statement);
  }

  return statement;
}

export function isTransaction(handle: DbOrTx): boolean {
  return handle instanceof SQLiteTransaction;
}

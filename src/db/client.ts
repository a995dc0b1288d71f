// Opens Herald's SQLite database: the one place that sets its pragmas and
// applies the committed migrations. Importing this module has no side
// effects; openDatabase() does the work.

import { Database } from "bun:sqlite";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { drizzle } from "drizzle-orm/bun-sqlite";
import { migrate } from "drizzle-orm/bun-sqlite/migrator";
import * as schema from "./schema";

export type Db = ReturnType<typeof drizzle<typeof schema>>;
/** A transaction handle; every write helper accepts either. */
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
export type DbOrTx = Db | Tx;

export interface OpenedDatabase {
  db: Db;
  sqlite: Database;
  close(): void;
}

const MIGRATIONS = join(import.meta.dir, "migrations");

export function openDatabase(dataDir: string): OpenedDatabase {
  mkdirSync(dataDir, { recursive: true });
  const sqlite = new Database(join(dataDir, "herald.db"), { create: true, strict: true });
  // WAL lets readers go on while one writer commits; NORMAL is durable
  // across a process crash in WAL mode, which is the failure we guard.
  sqlite.exec("PRAGMA journal_mode = WAL");
  sqlite.exec("PRAGMA synchronous = NORMAL");
  sqlite.exec("PRAGMA busy_timeout = 5000");
  sqlite.exec("PRAGMA foreign_keys = ON");

  const db = drizzle(sqlite, { schema });
  refuseNewerDatabase(sqlite);
  migrate(db, { migrationsFolder: MIGRATIONS });

  return {
    db,
    sqlite,
    close() {
      // A checkpoint that cannot run now (a statement still active) is
      // SQLite's to finish at the next open; closing must not throw.
      try {
        sqlite.exec("PRAGMA wal_checkpoint(TRUNCATE)");
      } catch {}
      sqlite.close();
    },
  };
}

/**
 * A database migrated by a newer Herald has migrations this build does not
 * know; running on it could corrupt data, so the start stops instead.
 */
function refuseNewerDatabase(sqlite: Database): void {
  const table = sqlite
    .query("SELECT name FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'")
    .get();
  if (!table) return;
  const journal = JSON.parse(readFileSync(join(MIGRATIONS, "meta", "_journal.json"), "utf8"));
  const known = journal.entries.length as number;
  const applied = (sqlite.query("SELECT count(*) AS n FROM __drizzle_migrations").get() as { n: number }).n;
  if (applied > known) {
    throw new Error(
      `The database has ${applied} migrations but this Herald knows ${known}: it was written by a newer version. Run that version, or restore a backup.`,
    );
  }
}

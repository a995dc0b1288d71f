// GET /v1/backup: a consistent copy of the database, streamed. SQLite's
// VACUUM INTO writes a transactionally consistent snapshot to a new file
// while other connections go on; the file is unlinked as soon as it is
// open, so an interrupted download leaves nothing behind.

import { createReadStream } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { Elysia } from "elysia";
import type { Herald } from "../../context";
import { newId } from "../../ids";

export function backupModule(herald: Herald) {
  return new Elysia({ name: "herald/backup" }).get(
    "/v1/backup",
    async () => {
      const path = join(herald.config.dataDir, `.backup-${newId("key").slice(4)}.db`);
      herald.sqlite.query("VACUUM INTO ?").run(path);
      const stream = createReadStream(path);
      await new Promise<void>((resolve, reject) => {
        stream.once("open", () => resolve());
        stream.once("error", reject);
      });
      await rm(path, { force: true });
      const stamp = new Date().toISOString().replace(/[:.]/g, "-");

      return new Response(Readable.toWeb(stream) as ReadableStream, {
        headers: {
          "content-type": "application/vnd.sqlite3",
          "content-disposition": `attachment; filename="herald-${stamp}.db"`,
        },
      });
    },
    {
      detail: {
        tags: ["Operations"],
        summary: "Download a backup",
        description:
          "Streams a consistent copy of Herald's SQLite database, taken with VACUUM INTO while the server keeps running. Restore it by stopping Herald and putting the file at <dataDir>/herald.db.",
      },
    },
  );
}

// Room files: the bytes under <dataDir>/files/<roomId>/<name>, the
// metadata (size, content type, etag) in the `files` table. An upload is
// written to a temporary file in the same folder and renamed over the
// target, so a reader sees the old file or the new one, never half of one;
// the row is written after the rename. Writes to one name are serialised
// so that the row always describes the bytes on disk, and a room's writes
// are ordered against the room's deletion (room-lock.ts).

import { mkdir, rename, rm, rmdir, unlink, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { and, asc, eq, gt, or, sql } from "drizzle-orm";
import type { Herald } from "../../context";
import { files } from "../../db/schema";
import { conflict, HeraldError, notFound } from "../../http/errors";
import { decodeCursor, type Page, toPage } from "../../http/pagination";
import { newId, nowIso } from "../../ids";
import { log } from "../../log";
import { requireRoom } from "../rooms/queries";
import { pathInside } from "./names";
import { roomFilesDir } from "./paths";
import { writingRoomFiles } from "./room-lock";

export interface FileView {
  name: string;
  size: number;
  contentType: string;
  etag: string;
  uploadedAt: string;
}

type FileRow = typeof files.$inferSelect;

const toView = (row: FileRow): FileView => ({
  name: row.name,
  size: row.size,
  contentType: row.contentType,
  etag: row.etag,
  uploadedAt: row.uploadedAt,
});

const writing = new Map<string, Promise<unknown>>();

/** Runs `fn` after every earlier write to the same file has finished. */
async function oneAtATime<T>(lockKey: string, fn: () => Promise<T>): Promise<T> {
  const previous = writing.get(lockKey) ?? Promise.resolve();
  const run = previous.catch(() => {}).then(fn);
  writing.set(lockKey, run);
  try {
    return await run;
  } finally {
    if (writing.get(lockKey) === run) writing.delete(lockKey);
  }
}

export function fileRow(herald: Herald, roomId: string, name: string): FileRow | undefined {
  return herald.db
    .select()
    .from(files)
    .where(and(eq(files.roomId, roomId), eq(files.name, name)))
    .get();
}

/**
 * A file `a` and a file `a/b` cannot both exist: one would have to be a
 * folder. Refused up front with a 409 rather than as a file-system error.
 */
function refuseFolderClash(herald: Herald, roomId: string, name: string): void {
  const parents: string[] = [];
  const segments = name.split("/");
  for (let i = 1; i < segments.length; i++) parents.push(segments.slice(0, i).join("/"));
  const clash = herald.db
    .select({ name: files.name })
    .from(files)
    .where(
      and(
        eq(files.roomId, roomId),
        or(
          sql`instr(${files.name}, ${`${name}/`}) = 1`,
          ...parents.map((parent) => eq(files.name, parent)),
        ),
      ),
    )
    .get();
  if (clash) {
    throw conflict(
      `The name ${name} clashes with the file ${clash.name}: a name cannot be both a file and a folder. Delete one or pick another name.`,
    );
  }
}

export function etagOf(bytes: Uint8Array): string {
  return `"${new Bun.CryptoHasher("sha256").update(bytes).digest("hex")}"`;
}

export async function putFile(
  herald: Herald,
  roomId: string,
  name: string,
  bytes: Uint8Array,
  contentType: string,
): Promise<FileView> {
  const dir = roomFilesDir(herald.config.dataDir, roomId);
  const path = pathInside(dir, name);

  return writingRoomFiles(roomId, () => oneAtATime(`${roomId}\u0000${name}`, async () => {
    requireRoom(herald.db, roomId);
    refuseFolderClash(herald, roomId, name);
    await mkdir(dirname(path), { recursive: true });
    const temp = pathInside(dir, `${dirname(name) === "." ? "" : `${dirname(name)}/`}.upload-${newId("att")}`);
    try {
      await writeFile(temp, bytes);
      await rename(temp, path);
    } catch (error) {
      await unlink(temp).catch(() => {});
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EISDIR" || code === "ENOTDIR" || code === "EEXIST") {
        throw conflict(`The name ${name} clashes with an existing folder or file. Pick another name.`);
      }
      throw error;
    }

    const row: FileRow = {
      roomId,
      name,
      size: bytes.byteLength,
      contentType,
      etag: etagOf(bytes),
      uploadedAt: nowIso(),
    };
    try {
      herald.db.transaction((tx) => {
        requireRoom(tx, roomId);
        tx.insert(files)
          .values(row)
          .onConflictDoUpdate({
            target: [files.roomId, files.name],
            set: { size: row.size, contentType: row.contentType, etag: row.etag, uploadedAt: row.uploadedAt },
          })
          .run();
      });
    } catch (error) {
      // The room went after all (room-lock.ts should make that impossible,
      // but this is the last word): its bytes must not outlive it.
      if (error instanceof HeraldError && error.code === "not_found") {
        await rm(path, { force: true });
        await pruneEmptyFolders(dir, name);
      }
      throw error;
    }
    log.debug("file stored", { roomId, size: row.size });

    return toView(row);
  }));
}

/** Files of a room in name order, optionally only names starting with `prefix`. */
export function listFiles(
  herald: Herald,
  roomId: string,
  prefix: string | undefined,
  limit: number,
  cursor?: string,
): Page<FileView> {
  const from = decodeCursor(cursor);
  const rows = herald.db
    .select()
    .from(files)
    .where(
      and(
        eq(files.roomId, roomId),
        prefix ? sql`instr(${files.name}, ${prefix}) = 1` : undefined,
        from ? gt(files.name, from.id) : undefined,
      ),
    )
    .orderBy(asc(files.name))
    .limit(limit + 1)
    .all();

  return toPage(rows, limit, (row) => [row.name, row.name], toView);
}

export function filePath(herald: Herald, roomId: string, name: string): string {
  return pathInside(roomFilesDir(herald.config.dataDir, roomId), name);
}

export async function deleteFile(herald: Herald, roomId: string, name: string): Promise<void> {
  const dir = roomFilesDir(herald.config.dataDir, roomId);
  const path = pathInside(dir, name);

  await writingRoomFiles(roomId, () => oneAtATime(`${roomId}\u0000${name}`, async () => {
    const removed = herald.db
      .delete(files)
      .where(and(eq(files.roomId, roomId), eq(files.name, name)))
      .returning({ name: files.name })
      .all();
    if (removed.length === 0) throw notFound(`File ${name}`);
    await rm(path, { force: true });
    await pruneEmptyFolders(dir, name);
  }));
}

/** Removes the folders a deleted file leaves empty, up to the room's folder. */
async function pruneEmptyFolders(dir: string, name: string): Promise<void> {
  const segments = name.split("/");
  for (let depth = segments.length - 1; depth > 0; depth--) {
    try {
      await rmdir(pathInside(dir, segments.slice(0, depth).join("/")));
    } catch {
      return; // not empty, or already gone: either way, stop climbing.
    }
  }
}

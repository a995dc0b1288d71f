// The file routes: upload raw bytes under a name (which may hold `/`),
// list by prefix, download with an etag, delete. Names with slashes need
// Elysia's wildcard route, whose value arrives still percent-encoded, so
// the handlers decode and check it themselves (see names.ts).

import { stat } from "node:fs/promises";
import { Elysia, t } from "elysia";
import type { Herald } from "../../context";
import { HeraldError, notFound } from "../../http/errors";
import { listQuery } from "../../http/pagination";
import { CALLER_ID_PATTERN } from "../../ids";
import { log } from "../../log";
import { requireRoom } from "../rooms/queries";
import { checkName, decodeName, NAME_LIMIT_BYTES, NAME_RULES } from "./names";
import { deleteFile, fileRow, filePath, listFiles, putFile } from "./service";

const RoomId = t.String({ pattern: CALLER_ID_PATTERN, description: "The room's id." });
const FileParams = t.Object({
  roomId: RoomId,
  "*": t.String({ description: `The file name, percent-encoded where needed. ${NAME_RULES}` }),
});
const FileView = t.Object({
  name: t.String(),
  size: t.Integer({ description: "Bytes." }),
  contentType: t.String(),
  etag: t.String({ description: "A quoted SHA-256 of the bytes." }),
  uploadedAt: t.String({ format: "date-time" }),
});

const DEFAULT_TYPE = "application/octet-stream";

/** The upload's content type as sent, or the generic binary type. */
function contentTypeOf(request: Request): string {
  const sent = request.headers.get("content-type")?.trim();
  if (!sent) return DEFAULT_TYPE;
  if (sent.length > 255) throw new HeraldError("validation_failed", "content-type: must be at most 255 characters.");

  return sent;
}

/** True when an If-None-Match header names this etag (or is `*`). */
function notModified(request: Request, etag: string): boolean {
  const header = request.headers.get("if-none-match");
  if (!header) return false;
  if (header.trim() === "*") return true;

  return header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag);
}

export function filesModule(herald: Herald) {
  const nameOf = (params: { "*": string }) => checkName(decodeName(params["*"]));

  return new Elysia({ name: "herald/files", detail: { tags: ["Files"] } })
    .put(
      "/v1/rooms/:roomId/files/*",
      async ({ params, body, request }) => {
        const name = nameOf(params);
        requireRoom(herald.db, params.roomId);
        const bytes = body instanceof Uint8Array ? body : new Uint8Array(0);

        return putFile(herald, params.roomId, name, bytes, contentTypeOf(request));
      },
      {
        params: FileParams,
        response: FileView,
        detail: {
          summary: "Upload a file",
          description: `Stores the raw request body under the name, replacing any file of that name; the content-type header is kept (application/octet-stream when absent). Bodies past the file cap (HERALD_FILE_LIMIT_BYTES, 25 MiB by default) are 413. A name that is both a file and a folder (\`a\` and \`a/b\`) is 409. ${NAME_RULES}`,
          requestBody: {
            required: true,
            content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } },
          },
        },
      },
    )
    .get(
      "/v1/rooms/:roomId/files",
      ({ params, query }) => {
        requireRoom(herald.db, params.roomId);
        return listFiles(herald, params.roomId, query.prefix, query.limit ?? 20, query.cursor);
      },
      {
        params: t.Object({ roomId: RoomId }),
        query: t.Object({
          ...listQuery,
          prefix: t.Optional(
            t.String({ maxLength: NAME_LIMIT_BYTES, description: "Only names starting with this text, e.g. `docs/`." }),
          ),
        }),
        response: t.Object({ data: t.Array(FileView), nextCursor: t.Union([t.String(), t.Null()]) }),
        detail: { summary: "List a room's files", description: "The room's files in name order, with their metadata." },
      },
    )
    .get(
      "/v1/rooms/:roomId/files/*",
      async ({ params, request }) => {
        const name = nameOf(params);
        requireRoom(herald.db, params.roomId);
        const row = fileRow(herald, params.roomId, name);
        if (!row) throw notFound(`File ${name}`);
        const headers: Record<string, string> = {
          etag: row.etag,
          "cache-control": "no-cache",
          // Uploaded HTML must never run as a page of Herald's origin, where
          // the dashboard keeps its API key.
          "content-security-policy": "sandbox",
          "x-content-type-options": "nosniff",
        };
        if (notModified(request, row.etag)) return new Response(null, { status: 304, headers });

        const path = filePath(herald, params.roomId, name);
        const found = await stat(path).catch(() => null);
        if (!found?.isFile()) {
          log.warn("file missing on disk", { roomId: params.roomId });
          throw notFound(`File ${name}`);
        }

        return new Response(Bun.file(path), {
          headers: { ...headers, "content-type": row.contentType, "content-length": String(found.size) },
        });
      },
      {
        params: FileParams,
        detail: {
          summary: "Download a file",
          description: `The file's bytes with its content type and etag; \`If-None-Match\` with the current etag answers 304. ${NAME_RULES}`,
          responses: {
            200: {
              description: "The bytes.",
              content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } },
            },
            304: { description: "Not modified: the etag matches." },
          },
        },
      },
    )
    .delete(
      "/v1/rooms/:roomId/files/*",
      async ({ params, set }) => {
        const name = nameOf(params);
        requireRoom(herald.db, params.roomId);
        await deleteFile(herald, params.roomId, name);
        set.status = 204;
      },
      {
        params: FileParams,
        detail: { summary: "Delete a file", description: `Removes the file; 404 when there is none. ${NAME_RULES}` },
      },
    );
}

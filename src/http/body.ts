// Reads request bodies with a cap, for every route: JSON routes get parsed
// JSON (or {} for an empty body, so all-optional bodies need no
// content-type), file uploads get their raw bytes. Past the cap the answer
// is 413 and the rest of the body is never read.

import { Elysia } from "elysia";
import { HeraldError } from "./errors";

const FILE_ROUTE = /^\/v1\/rooms\/[^/]+\/files\/.+/;

export async function readCapped(request: Request, limit: number): Promise<Uint8Array> {
  // The rest of an oversized body is never read, so the connection cannot
  // carry another request: it is closed after the answer.
  const tooLarge = () =>
    new HeraldError("payload_too_large", `The request body is larger than the ${limit} byte limit.`, undefined, {
      connection: "close",
    });
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) throw tooLarge();
  if (!request.body) return new Uint8Array(0);

  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }

  return Buffer.concat(chunks);
}

export function bodyParser(jsonLimit: number, fileLimit: number) {
  return new Elysia({ name: "herald/body" }).onParse({ as: "global" }, async ({ request, path }) => {
    if (request.method === "PUT" && FILE_ROUTE.test(path)) {
      return readCapped(request, fileLimit);
    }
    const bytes = await readCapped(request, jsonLimit);
    if (bytes.byteLength === 0) return {};
    const text = new TextDecoder().decode(bytes);
    try {
      return JSON.parse(text);
    } catch {
      throw new HeraldError("invalid_json", "The request body is not valid JSON. Send a JSON document with content-type application/json.");
    }
  });
}

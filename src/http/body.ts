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

/**
 * JSON nested deeper than this is refused: JSON.parse takes it, but every
 * later walk over it (serialising, validating, hashing) recurses once per
 * level and would overflow the stack.
 */
export const MAX_JSON_DEPTH = 256;

/** The deepest nesting of arrays and objects in JSON text, strings skipped. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > deepest) deepest = depth;
    } else if (c === 93 || c === 125) depth--;
  }

  return deepest;
}

/**
 * Where the first number JSON.parse could not hold sits, as a dotted path
 * ("" for the body itself), or undefined when every number is finite. A
 * literal past double range such as 1e400 parses to Infinity, which
 * JSON.stringify writes back as null: accepted, then silently lost.
 */
export function nonFiniteAt(value: unknown): string | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? undefined : "";
  if (typeof value !== "object" || value === null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const below = nonFiniteAt(item);
    if (below !== undefined) return below === "" ? key : `${key}.${below}`;
  }

  return undefined;
}

export function bodyParser(jsonLimit: number, fileLimit: number) {
  return new Elysia({ name: "herald/body" }).onParse({ as: "global" }, async ({ request, path }) => {
    if (request.method === "PUT" && FILE_ROUTE.test(path)) {
      return readCapped(request, fileLimit);
    }
    const bytes = await readCapped(request, jsonLimit);
    if (bytes.byteLength === 0) return {};
    const text = new TextDecoder().decode(bytes);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new HeraldError("invalid_json", "The request body is not valid JSON. Send a JSON document with content-type application/json.");
    }
    if (jsonDepth(text) > MAX_JSON_DEPTH) {
      throw new HeraldError("validation_failed", `The request body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels.`);
    }
    const at = nonFiniteAt(parsed);
    if (at !== undefined) {
      const field = at || "body";
      const message = "is a number too large for Herald to keep; send at most ±1.7976931348623157e308, or send it as a string";
      throw new HeraldError("validation_failed", `${field}: ${message}.`, [{ field, message }]);
    }

    return parsed;
  });
}

// The API-key routes: make a key (its clear text is in that one answer
// only), list keys by prefix, revoke one.

import { Elysia, t } from "elysia";
import type { Herald } from "../../context";
import { conflict, notFound } from "../../http/errors";
import { listQuery } from "../../http/pagination";
import { createKey, listKeys, revokeKey } from "./service";

const ApiKey = t.Object({
  id: t.String({ description: "`key_…`" }),
  name: t.String(),
  prefix: t.String({ description: "The first characters of the key, to tell keys apart." }),
  createdAt: t.String({ format: "date-time" }),
  lastUsedAt: t.Union([t.String({ format: "date-time" }), t.Null()], {
    description: "Updated at most once a minute.",
  }),
});

export function apiKeysModule(herald: Herald) {
  return new Elysia({ name: "herald/api-keys", detail: { tags: ["API keys"] } })
    .post(
      "/v1/api-keys",
      ({ body, set }) => {
        set.status = 201;
        return createKey(herald, body.name.trim());
      },
      {
        body: t.Object({
          name: t.String({ minLength: 1, maxLength: 100, pattern: "\\S", description: "What the key is for." }),
        }),
        response: { 201: t.Composite([ApiKey, t.Object({ key: t.String({ description: "`hk_…`, shown only here." }) })]) },
        detail: {
          summary: "Create an API key",
          description:
            "Makes a new key and answers it once in `key`; Herald keeps only its SHA-256 digest, so store it now.",
        },
      },
    )
    .get("/v1/api-keys", ({ query }) => listKeys(herald, query.limit ?? 20, query.cursor), {
      query: t.Object(listQuery),
      response: t.Object({ data: t.Array(ApiKey), nextCursor: t.Union([t.String(), t.Null()]) }),
      detail: { summary: "List API keys", description: "Every key, newest first; never the key itself." },
    })
    .delete(
      "/v1/api-keys/:id",
      ({ params, set }) => {
        const outcome = revokeKey(herald, params.id);
        if (outcome === "missing") throw notFound(`API key ${params.id}`);
        if (outcome === "last") {
          throw conflict("This is the only API key left; create another one before revoking it.");
        }
        set.status = 204;
      },
      {
        params: t.Object({ id: t.String({ maxLength: 64 }) }),
        detail: {
          summary: "Revoke an API key",
          description:
            "Deletes the key; the next request made with it is refused with 401. The last remaining key cannot be revoked (409).",
        },
      },
    );
}

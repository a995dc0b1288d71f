// The OpenAPI document (/openapi.json and /swagger/json, the same
// document) and the Swagger UI at /swagger, whose assets are served from
// the swagger-ui-dist package in node_modules so the page renders with no
// internet. The spec validator badge is turned off: Swagger UI would
// otherwise load it from validator.swagger.io.

import { openapi } from "@elysiajs/openapi";
import { dirname, join } from "node:path";
import { Elysia } from "elysia";

const ASSETS = dirname(require.resolve("swagger-ui-dist/package.json"));
const SERVED = new Set(["swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "favicon-32x32.png"]);
const SPEC_PATH = "/swagger/json";

export function openapiDocs(version: string) {
  const docs = openapi({
    path: "/swagger",
    specPath: SPEC_PATH,
    provider: "swagger-ui",
    swagger: {
      cdn: "/swagger/assets/swagger-ui-bundle.js",
      theme: "/swagger/assets/swagger-ui.css",
      autoDarkMode: false,
      // Absolute, so the page works at /swagger and /swagger/ alike.
      url: "/openapi.json",
      validatorUrl: null,
    } as Record<string, unknown>,
    documentation: {
      info: {
        title: "Herald",
        version,
        description: "Self-hosted event platform for realtime rooms: rooms, users, presence, stores and files; every change an event, delivered as a signed webhook and run through sandboxed workflows.",
      },
      components: {
        securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "An API key, hk_…" } },
      },
      security: [{ apiKey: [] }],
    },
    exclude: { paths: ["/openapi.json", /^\/swagger/] },
  });
  // The plugin builds (and caches) the document in its spec route's
  // handler; /openapi.json answers the same document by calling it.
  const spec = docs.routes.find((route) => route.path === SPEC_PATH);
  if (!spec || typeof spec.handler !== "function") {
    throw new Error("@elysiajs/openapi no longer registers its spec route as a function; update openapi.ts.");
  }
  const documentHandler = spec.handler as () => unknown;

  return new Elysia({ name: "herald/openapi" })
    .use(docs)
    .get("/openapi.json", () => documentHandler(), { detail: { hide: true } })
    .get(
      "/swagger/assets/:file",
      ({ params, set }) => {
        if (!SERVED.has(params.file)) {
          set.status = 404;
          return { error: { code: "not_found", message: "No such asset." } };
        }
        return Bun.file(join(ASSETS, params.file));
      },
      { detail: { hide: true } },
    );
}

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

interface Operation {
  parameters?: Array<{ name: string; in: string; description?: string; schema?: { description?: string } }>;
  [field: string]: unknown;
}
type OpenApiDocument = { paths?: Record<string, Record<string, Operation>>; [field: string]: unknown };

/**
 * Elysia lists WebSocket routes under a method "ws", which OpenAPI does not
 * know; the upgrade is a GET, so it is listed as one.
 */
function upgradesAsGet(operations: Record<string, Operation>): Record<string, Operation> {
  if (!operations.ws || operations.get) return operations;
  const { ws, ...rest } = operations;

  return { ...rest, get: ws };
}

/**
 * Wildcard routes (file names with slashes) reach the document as
 * `/files/*` with a parameter named `*`, which OpenAPI cannot express;
 * they are written `/files/{name}` with a `name` parameter instead.
 */
function polish(document: OpenApiDocument): OpenApiDocument {
  const paths: Record<string, Record<string, Operation>> = {};
  for (const [path, listed] of Object.entries(document.paths ?? {})) {
    const operations = upgradesAsGet(listed);
    if (!path.endsWith("/*")) {
      paths[path] = operations;
      continue;
    }
    const renamed: Record<string, Operation> = {};
    for (const [method, operation] of Object.entries(operations)) {
      renamed[method] = {
        ...operation,
        parameters: operation.parameters?.map((parameter) =>
          parameter.name === "*" && parameter.in === "path"
            ? { ...parameter, name: "name", description: parameter.schema?.description }
            : parameter,
        ),
      };
    }
    paths[`${path.slice(0, -2)}/{name}`] = { ...paths[`${path.slice(0, -2)}/{name}`], ...renamed };
  }

  return { ...document, paths };
}

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
  // handler. That handler is wrapped, before the plugin is mounted, to
  // polish the document, and /openapi.json answers by calling the same
  // wrapper, so both paths serve one document.
  const spec = docs.routes.find((route) => route.path === SPEC_PATH);
  if (!spec || typeof spec.handler !== "function") {
    throw new Error("@elysiajs/openapi no longer registers its spec route as a function; update openapi.ts.");
  }
  const build = spec.handler as () => OpenApiDocument;
  let built: OpenApiDocument | undefined;
  let polished: OpenApiDocument | undefined;
  const documentHandler = () => {
    const fresh = build();
    if (fresh !== built || !polished) {
      built = fresh;
      polished = polish(fresh);
    }
    return polished;
  };
  spec.handler = documentHandler;

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

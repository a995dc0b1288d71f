import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type HeraldProcess, startHerald } from "./harness";

let herald: HeraldProcess;
let document: any;

beforeAll(async () => {
  herald = await startHerald();
  document = await (await fetch(`${herald.url}/openapi.json`)).json();
});
afterAll(() => herald.stop());

/** Every route the product contract names (api.md, webhooks.md, workflows.md, operations.md). */
const CONTRACT_ROUTES = [
  "POST /v1/api-keys",
  "GET /v1/api-keys",
  "DELETE /v1/api-keys/{id}",
  "POST /v1/rooms",
  "GET /v1/rooms",
  "GET /v1/rooms/{roomId}",
  "PATCH /v1/rooms/{roomId}",
  "DELETE /v1/rooms/{roomId}",
  "POST /v1/rooms/{roomId}/users",
  "GET /v1/rooms/{roomId}/users",
  "GET /v1/rooms/{roomId}/users/{userId}",
  "PATCH /v1/rooms/{roomId}/users/{userId}",
  "DELETE /v1/rooms/{roomId}/users/{userId}",
  "POST /v1/rooms/{roomId}/users/{userId}/tokens",
  "GET /v1/rooms/{roomId}/connect",
  "GET /v1/rooms/{roomId}/participants",
  "GET /v1/rooms/{roomId}/sessions",
  "GET /v1/rooms/{roomId}/stores",
  "GET /v1/rooms/{roomId}/stores/{store}",
  "GET /v1/rooms/{roomId}/stores/{store}/keys/{key}",
  "PUT /v1/rooms/{roomId}/stores/{store}/keys/{key}",
  "DELETE /v1/rooms/{roomId}/stores/{store}/keys/{key}",
  "PUT /v1/rooms/{roomId}/files/{name}",
  "GET /v1/rooms/{roomId}/files",
  "GET /v1/rooms/{roomId}/files/{name}",
  "DELETE /v1/rooms/{roomId}/files/{name}",
  "GET /v1/events",
  "GET /v1/events/{id}",
  "GET /v1/event-types",
  "GET /v1/events/stream",
  "POST /v1/events",
  "POST /v1/webhooks",
  "GET /v1/webhooks",
  "GET /v1/webhooks/{id}",
  "GET /v1/webhooks/{id}/secret",
  "PATCH /v1/webhooks/{id}",
  "DELETE /v1/webhooks/{id}",
  "POST /v1/webhooks/{id}/rotate-secret",
  "POST /v1/webhooks/{id}/test",
  "POST /v1/webhooks/{id}/replay",
  "GET /v1/webhooks/{id}/deliveries",
  "GET /v1/deliveries/{id}",
  "POST /v1/deliveries/{id}/retry",
  "POST /v1/workflows",
  "GET /v1/workflows",
  "GET /v1/workflows/{id}",
  "PATCH /v1/workflows/{id}",
  "GET /v1/workflows/{id}/versions",
  "DELETE /v1/workflows/{id}",
  "POST /v1/workflows/{id}/enable",
  "POST /v1/workflows/{id}/disable",
  "POST /v1/workflows/{id}/test",
  "GET /v1/workflows/{id}/executions",
  "GET /v1/executions/{id}",
  "GET /v1/backup",
  "GET /healthz",
  "GET /readyz",
];

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"];

function operations(doc: any): Array<{ route: string; path: string; operation: any }> {
  const found = [];
  for (const [path, item] of Object.entries<any>(doc.paths ?? {})) {
    for (const method of METHODS) {
      if (item[method]) found.push({ route: `${method.toUpperCase()} ${path}`, path, operation: item[method] });
    }
  }
  return found;
}

describe("the OpenAPI document", () => {
  test("/openapi.json and /swagger/json serve the same OpenAPI 3 document, with no key", async () => {
    const viaOpenapi = await fetch(`${herald.url}/openapi.json`);
    expect(viaOpenapi.status).toBe(200);
    expect(viaOpenapi.headers.get("content-type")).toContain("application/json");
    expect(document.openapi).toMatch(/^3\./);
    expect(document.info.title).toBe("Herald");

    const viaSwagger = await fetch(`${herald.url}/swagger/json`);
    expect(viaSwagger.status).toBe(200);
    expect(await viaSwagger.json()).toEqual(document);
  });

  test("every /v1 route has a tag, a summary and a description", () => {
    const missing = operations(document)
      .filter(({ path }) => path.startsWith("/v1"))
      .filter(({ operation }) => !(operation.tags?.length > 0 && operation.summary && operation.description))
      .map(({ route }) => route);
    expect(missing).toEqual([]);
  });

  test("every route of the product contract is in the document", () => {
    const documented = new Set(operations(document).map(({ route }) => route));
    const missing = CONTRACT_ROUTES.filter((route) => !documented.has(route));
    expect(missing).toEqual([]);
  });

  test("every path parameter of a route is declared", () => {
    const undeclared: string[] = [];
    for (const { route, path, operation } of operations(document)) {
      for (const [, name] of path.matchAll(/\{([^}]+)\}/g)) {
        const declared = (operation.parameters ?? []).some((p: any) => p.in === "path" && p.name === name);
        if (!declared) undeclared.push(`${route}: ${name}`);
      }
    }
    expect(undeclared).toEqual([]);
  });

  test("wildcard file routes are written with a name parameter", () => {
    expect(Object.keys(document.paths).filter((path) => path.includes("*"))).toEqual([]);
  });

  test("the API key is declared as bearer auth", () => {
    expect(document.components.securitySchemes.apiKey).toMatchObject({ type: "http", scheme: "bearer" });
  });
});

describe("the Swagger UI", () => {
  test("/swagger renders from local assets only", async () => {
    const page = await fetch(`${herald.url}/swagger`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    const html = await page.text();

    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const asset of assets) {
      expect(asset).toStartWith("/");
      expect(asset).not.toStartWith("//");
      const response = await fetch(herald.url + asset);
      expect({ asset, status: response.status }).toEqual({ asset, status: 200 });
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    }
    // No address off this server anywhere in the page, and no validator
    // badge (Swagger UI would fetch it from validator.swagger.io).
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).toContain('"validatorUrl":null');
    expect(html).toContain('"url":"/openapi.json"');
  });

  test("the stylesheet loads nothing from the internet", async () => {
    const css = await (await fetch(`${herald.url}/swagger/assets/swagger-ui.css`)).text();
    const urls = [...css.matchAll(/url\(\s*["']?([^"')]+)/g)].map((match) => match[1]);
    expect(urls.filter((url) => !url.startsWith("data:"))).toEqual([]);
  });

  test("unknown assets are 404", async () => {
    expect((await fetch(`${herald.url}/swagger/assets/package.json`)).status).toBe(404);
    expect((await fetch(`${herald.url}/swagger/assets/..%2Fpackage.json`)).status).toBe(404);
  });
});

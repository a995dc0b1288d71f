// The 422 details name the real field wherever it sits: path, query or
// body, including values Elysia converts from strings to numbers or
// booleans after validation (those errors used to name "property").

import { describe, expect, test } from "bun:test";
import { Elysia, t } from "elysia";
import { traceConversions } from "../../src/http/converted-fields";
import { errorHandler } from "../../src/http/errors";

const app = new Elysia({ normalize: "typebox" })
  .use(errorHandler)
  .get("/pages/:page", ({ params }) => params, {
    params: t.Object({ page: t.Integer({ minimum: 1 }) }),
    query: t.Object({
      limit: t.Optional(t.Integer({ minimum: 1, maximum: 100 })),
      offset: t.Optional(t.Integer({ minimum: 0 })),
      ratio: t.Optional(t.Number({ maximum: 1 })),
      flag: t.Optional(t.Boolean()),
    }),
  })
  .post("/things", ({ body }) => body, {
    body: t.Object({
      count: t.Integer({ minimum: 2 }),
      inner: t.Optional(t.Object({ size: t.Integer({ maximum: 10 }) })),
    }),
  });
traceConversions(app);

async function detailsOf(method: string, path: string, body?: unknown) {
  const response = await app.handle(
    new Request(`http://localhost${path}`, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: body === undefined ? {} : { "content-type": "application/json" },
    }),
  );
  expect(response.status).toBe(422);
  const json = (await response.json()) as { error: { message: string; details: { field: string }[] } };

  return { fields: json.error.details.map((d) => d.field), message: json.error.message };
}

describe("a 422 names the field that was wrong", () => {
  const CASES: Record<string, [method: string, path: string, body: unknown, on: string, field: string]> = {
    "a path value that converts to a number out of range": ["GET", "/pages/0", undefined, "params", "page"],
    "a path value of spaces": ["GET", "/pages/%20", undefined, "params", "page"],
    "a path value that is not a number": ["GET", "/pages/x", undefined, "params", "page"],
    "a blank query number": ["GET", "/pages/1?limit=%20", undefined, "query", "limit"],
    "a query number over its maximum": ["GET", "/pages/1?limit=101", undefined, "query", "limit"],
    "the second of two query numbers with the same value": ["GET", "/pages/1?limit=5&offset=5&ratio=5", undefined, "query", "ratio"],
    "a query boolean that is not true or false": ["GET", "/pages/1?flag=yes", undefined, "query", "flag"],
    "a body number sent as a string out of range": ["POST", "/things", { count: "1" }, "body", "count"],
    "a nested body number sent as a string out of range": ["POST", "/things", { count: 3, inner: { size: "11" } }, "body", "inner.size"],
    "a body number out of range": ["POST", "/things", { count: 1 }, "body", "count"],
    "a missing body field": ["POST", "/things", {}, "body", "count"],
  };

  for (const [label, [method, path, body, on, field]] of Object.entries(CASES)) {
    test(label, async () => {
      const { fields, message } = await detailsOf(method, path, body);
      expect(fields).toEqual([field]);
      expect(message).toStartWith(`The ${on} is not valid: ${field}:`);
    });
  }
});

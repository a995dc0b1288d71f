// Whatever a request carries is either kept exactly as sent or refused
// with a 422 that names the field; never accepted and then silently
// changed. Guards three faults a tester found: object keys holding a line
// terminator were dropped (TypeBox's record key "^(.*)$" misses them and
// the cleaner removed them, so a PATCH even wiped metadata to {}), a
// number past double range (1e400) was stored as null, and a 422 for a
// converted query value named the field "property".

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type HeraldProcess, startHerald } from "./harness";

let herald: HeraldProcess;

beforeAll(async () => {
  herald = await startHerald();
  expect((await herald.api("POST", "/v1/rooms", { id: "kept-room" })).status).toBe(201);
});
afterAll(() => herald.stop());

/** Keys "." in a regular expression does not match, and a plain one. */
const ODD_KEYS = {
  "line\nfeed": "lf",
  "carriage\rreturn": 1,
  "line\u2028separator": [true],
  "paragraph\u2029separator": { nested: "kept" },
  "": "empty key",
  "\n": null,
  plain: "plain",
};

function fieldsOf(response: { status: number; body: any }): string[] {
  expect(response.status).toBe(422);
  expect(response.body.error.code).toBe("validation_failed");

  return response.body.error.details.map((d: { field: string }) => d.field);
}

describe("object keys holding line terminators are kept", () => {
  test("room metadata keeps every key on create, read and update", async () => {
    const created = await herald.api("POST", "/v1/rooms", { id: "odd-keys", metadata: ODD_KEYS });
    expect(created.status).toBe(201);
    expect(created.body.metadata).toEqual(ODD_KEYS);
    expect((await herald.api("GET", "/v1/rooms/odd-keys")).body.metadata).toEqual(ODD_KEYS);

    const replaced = { "only\nthis": 2 };
    const updated = await herald.api("PATCH", "/v1/rooms/odd-keys", { metadata: replaced });
    expect(updated.status).toBe(200);
    expect(updated.body.metadata).toEqual(replaced);
    expect((await herald.api("GET", "/v1/rooms/odd-keys")).body.metadata).toEqual(replaced);
  });

  test("user metadata keeps every key on create, read and update", async () => {
    const created = await herald.api("POST", "/v1/rooms/kept-room/users", { id: "odd", metadata: ODD_KEYS });
    expect(created.status).toBe(201);
    expect(created.body.metadata).toEqual(ODD_KEYS);

    const updated = await herald.api("PATCH", "/v1/rooms/kept-room/users/odd", { metadata: { "b\rc": 3 } });
    expect(updated.status).toBe(200);
    expect((await herald.api("GET", "/v1/rooms/kept-room/users/odd")).body.metadata).toEqual({ "b\rc": 3 });
  });

  test("a published event's data keeps every key in the stored envelope", async () => {
    const published = await herald.api("POST", "/v1/events", { type: "app.odd", roomId: "kept-room", data: ODD_KEYS });
    expect(published.status).toBe(201);
    expect(published.body.data).toEqual(ODD_KEYS);
    expect((await herald.api("GET", `/v1/events/${published.body.id}`)).body.data).toEqual(ODD_KEYS);
  });

  test("a workflow secret whose name is not a NAME is refused instead of dropped", async () => {
    const source = "export default () => {}";
    for (const name of ["BAD-NAME", "LINE\nBREAK", "9STARTS_WITH_DIGIT"]) {
      const response = await herald.api("POST", "/v1/workflows", { name: "s", source, secrets: { GOOD: "g", [name]: "x" } });
      expect(fieldsOf(response)).toEqual(["secrets"]);
    }
    const kept = await herald.api("POST", "/v1/workflows", { name: "s", source, secrets: { GOOD: "g", _under: "u" } });
    expect(kept.status).toBe(201);
    expect(kept.body.secrets).toEqual(["GOOD", "_under"]);
  });

  test("a webhook header whose name holds a line break is refused instead of dropped", async () => {
    const response = await herald.api("POST", "/v1/webhooks", {
      url: "http://127.0.0.1:9/hook",
      headers: { "X-Line\nBreak": "v" },
    });
    expect(fieldsOf(response)).toEqual(["headers"]);
  });
});

describe("numbers past double range are refused, not stored as null", () => {
  const CASES: Record<string, { path: string; method: string; body: string; field: string }> = {
    "1e400 as a store value": {
      method: "PUT",
      path: "/v1/rooms/kept-room/stores/s/keys/huge",
      body: '{"value":1e400}',
      field: "value",
    },
    "-1E+309 as a store value": {
      method: "PUT",
      path: "/v1/rooms/kept-room/stores/s/keys/huge",
      body: '{"value":-1E+309}',
      field: "value",
    },
    "an overflowing number deep in a store value": {
      method: "PUT",
      path: "/v1/rooms/kept-room/stores/s/keys/huge",
      body: '{"value":{"a":[1,{"b":2e308}]}}',
      field: "value.a.1.b",
    },
    "an overflowing number in event data": {
      method: "POST",
      path: "/v1/events",
      body: '{"type":"app.big","roomId":"kept-room","data":{"n":1e999}}',
      field: "data.n",
    },
    "an overflowing number in room metadata": {
      method: "POST",
      path: "/v1/rooms",
      body: '{"id":"big-room","metadata":{"n":1e400}}',
      field: "metadata.n",
    },
    "an overflowing number as the whole body": { method: "POST", path: "/v1/rooms", body: "1e400", field: "body" },
  };

  for (const [label, c] of Object.entries(CASES)) {
    test(label, async () => {
      const response = await herald.api(c.method, c.path, c.body);
      expect(fieldsOf(response)).toEqual([c.field]);
    });
  }

  test("nothing of a refused body was stored", async () => {
    expect((await herald.api("GET", "/v1/rooms/kept-room/stores/s/keys/huge")).status).toBe(404);
    expect((await herald.api("GET", "/v1/rooms/big-room")).status).toBe(404);
  });

  test("the largest finite double is kept exactly", async () => {
    const response = await herald.api("PUT", "/v1/rooms/kept-room/stores/s/keys/max", '{"value":1.7976931348623157e308}');
    expect(response.status).toBe(200);
    expect((await herald.api("GET", "/v1/rooms/kept-room/stores/s/keys/max")).body.value).toBe(Number.MAX_VALUE);
  });
});

describe("a 422 names the field that was wrong", () => {
  const QUERIES: Record<string, [string, string]> = {
    "a blank limit": ["/v1/events?limit=%20", "limit"],
    "a zero limit": ["/v1/events?limit=0", "limit"],
    "a limit over the maximum": ["/v1/rooms?limit=101", "limit"],
    "a limit that is not a number": ["/v1/rooms?limit=ten", "limit"],
    "a negative limit after a good filter": ["/v1/events?roomId=kept-room&limit=-1", "limit"],
  };
  for (const [label, [path, field]] of Object.entries(QUERIES)) {
    test(`query: ${label}`, async () => {
      const response = await herald.api("GET", path);
      expect(fieldsOf(response)).toEqual([field]);
      expect(response.body.error.message).toStartWith(`The query is not valid: ${field}:`);
    });
  }

  test("body: a number sent as a string that breaks the field's range", async () => {
    await herald.api("POST", "/v1/rooms/kept-room/users", { id: "token-user" });
    const asString = await herald.api("POST", "/v1/rooms/kept-room/users/token-user/tokens", { ttlSeconds: "0" });
    expect(fieldsOf(asString)).toEqual(["ttlSeconds"]);
    const asNumber = await herald.api("POST", "/v1/rooms/kept-room/users/token-user/tokens", { ttlSeconds: 0 });
    expect(fieldsOf(asNumber)).toEqual(["ttlSeconds"]);
  });
});

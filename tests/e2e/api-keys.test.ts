import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type HeraldProcess, startHerald, TEST_API_KEY } from "./harness";

let herald: HeraldProcess;

beforeAll(async () => {
  herald = await startHerald();
});
afterAll(() => herald.stop());

const as = (key: string) => ({ authorization: `Bearer ${key}` });

describe("API keys", () => {
  test("a new key is shown once, works at once, and is listed without its secret", async () => {
    const made = await herald.api("POST", "/v1/api-keys", { name: "ci" });
    expect(made.status).toBe(201);
    expect(made.body.key).toMatch(/^hk_[A-Za-z0-9_-]{40,}$/);
    expect(made.body).toMatchObject({ name: "ci", lastUsedAt: null });
    expect(made.body.id).toMatch(/^key_/);
    expect(made.body.key.startsWith(made.body.prefix)).toBe(true);

    const used = await herald.api("GET", "/v1/api-keys?limit=100", undefined, as(made.body.key));
    expect(used.status).toBe(200);
    const listed = used.body.data.find((k: { id: string }) => k.id === made.body.id);
    expect(Object.keys(listed).sort()).toEqual(["createdAt", "id", "lastUsedAt", "name", "prefix"]);
    expect(JSON.stringify(used.body)).not.toContain(made.body.key);
  });

  test("a key records when it was last used", async () => {
    const made = await herald.api("POST", "/v1/api-keys", { name: "tracked" });
    await herald.api("GET", "/v1/event-types", undefined, as(made.body.key));
    const list = await herald.api("GET", "/v1/api-keys?limit=100");
    const row = list.body.data.find((k: { id: string }) => k.id === made.body.id);
    expect(Date.parse(row.lastUsedAt)).not.toBeNaN();
  });

  test("a revoked key is refused on its next request", async () => {
    const made = await herald.api("POST", "/v1/api-keys", { name: "short-lived" });
    expect((await herald.api("GET", "/v1/api-keys", undefined, as(made.body.key))).status).toBe(200);
    expect((await herald.api("DELETE", `/v1/api-keys/${made.body.id}`)).status).toBe(204);
    const refused = await herald.api("GET", "/v1/api-keys", undefined, as(made.body.key));
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe("unauthorized");
    expect((await herald.api("DELETE", `/v1/api-keys/${made.body.id}`)).status).toBe(404);
  });

  test("a key may revoke itself", async () => {
    const made = await herald.api("POST", "/v1/api-keys", { name: "self" });
    expect((await herald.api("DELETE", `/v1/api-keys/${made.body.id}`, undefined, as(made.body.key))).status).toBe(204);
    expect((await herald.api("GET", "/v1/api-keys", undefined, as(made.body.key))).status).toBe(401);
  });

  test("the list pages newest first", async () => {
    for (const name of ["p1", "p2", "p3"]) await herald.api("POST", "/v1/api-keys", { name });
    const first = await herald.api("GET", "/v1/api-keys?limit=2");
    expect(first.body.data.map((k: { name: string }) => k.name)).toEqual(["p3", "p2"]);
    const second = await herald.api("GET", `/v1/api-keys?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.data[0].name).toBe("p1");
  });

  test("a name is required", async () => {
    for (const body of [{}, { name: "" }, { name: "   " }, { name: 5 }, { name: "x".repeat(101) }]) {
      const response = await herald.api("POST", "/v1/api-keys", body);
      expect({ body, status: response.status }).toEqual({ body, status: 422 });
    }
  });

  test("the last remaining key cannot be revoked", async () => {
    await using lonely = await startHerald();
    const only = await lonely.api("GET", "/v1/api-keys");
    expect(only.body.data).toHaveLength(1);
    const refused = await lonely.api("DELETE", `/v1/api-keys/${only.body.data[0].id}`);
    expect(refused.status).toBe(409);
    expect((await lonely.api("GET", "/v1/api-keys")).status).toBe(200);
  });

  test("a repeated create under one Idempotency-Key makes one key and never replays the secret", async () => {
    const headers = { "idempotency-key": "make-key-once" };
    const first = await herald.api("POST", "/v1/api-keys", { name: "once" }, headers);
    const again = await herald.api("POST", "/v1/api-keys", { name: "once" }, headers);
    expect(first.status).toBe(201);
    expect(first.body.key).toStartWith("hk_");
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.key).toBeUndefined();
    const list = await herald.api("GET", "/v1/api-keys?limit=100");
    expect(list.body.data.filter((k: { name: string }) => k.name === "once")).toHaveLength(1);
  });

  test("a wrong or missing key is 401", async () => {
    expect((await fetch(`${herald.url}/v1/api-keys`)).status).toBe(401);
    expect((await fetch(`${herald.url}/v1/api-keys`, { headers: as(`${TEST_API_KEY}x`) })).status).toBe(401);
  });
});

describe("HERALD_RATE_LIMIT", () => {
  test("past the limit a key gets 429 with Retry-After, and other keys are not affected", async () => {
    await using limited = await startHerald({ env: { HERALD_RATE_LIMIT: "5" } });
    const other = await limited.api("POST", "/v1/api-keys", { name: "other" });
    const answers = await Promise.all(Array.from({ length: 12 }, () => limited.api("GET", "/v1/event-types")));
    const refused = answers.filter((a) => a.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0].body.error.code).toBe("rate_limited");
    expect(Number(refused[0].headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await limited.api("GET", "/v1/event-types", undefined, as(other.body.key))).status).toBe(200);
  });

  test("with no limit set, a burst is all answered", async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, () => herald.api("GET", "/v1/event-types")));
    expect(answers.every((a) => a.status === 200)).toBe(true);
  });
});

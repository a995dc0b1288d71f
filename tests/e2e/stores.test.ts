import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type HeraldProcess, startHerald } from "./harness";

let herald: HeraldProcess;

beforeAll(async () => {
  herald = await startHerald();
  expect((await herald.api("POST", "/v1/rooms", { id: "kv-room" })).status).toBe(201);
});
afterAll(() => herald.stop());

const keyPath = (store: string, key: string, room = "kv-room") => `/v1/rooms/${room}/stores/${store}/keys/${key}`;

describe("stores", () => {
  test("a key set with PUT reads back with its value and updatedAt", async () => {
    const put = await herald.api("PUT", keyPath("settings", "theme"), { value: { mode: "dark", size: 3 } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ key: "theme", value: { mode: "dark", size: 3 } });
    expect(Date.parse(put.body.updatedAt)).not.toBeNaN();

    const got = await herald.api("GET", keyPath("settings", "theme"));
    expect(got.status).toBe(200);
    expect(got.body).toEqual(put.body);
  });

  test("any JSON value is kept as sent, null, strings, numbers and arrays included", async () => {
    for (const [key, value] of [
      ["nothing", null],
      ["text", "héllo ✓"],
      ["count", 42.5],
      ["flag", false],
      ["list", [1, "two", { three: 3 }]],
    ] as const) {
      expect((await herald.api("PUT", keyPath("values", key), { value })).status).toBe(200);
      expect((await herald.api("GET", keyPath("values", key))).body.value).toEqual(value);
    }
  });

  test("a PUT replaces the value and moves updatedAt forward", async () => {
    const first = await herald.api("PUT", keyPath("counters", "visits"), { value: 1 });
    const second = await herald.api("PUT", keyPath("counters", "visits"), { value: 2 });
    expect(second.body.value).toBe(2);
    expect(second.body.updatedAt >= first.body.updatedAt).toBe(true);
  });

  test("reading a whole store answers every key with its value", async () => {
    await herald.api("PUT", keyPath("profile", "a"), { value: 1 });
    await herald.api("PUT", keyPath("profile", "b"), { value: { nested: true } });
    const store = await herald.api("GET", "/v1/rooms/kv-room/stores/profile");
    expect(store.status).toBe(200);
    expect(store.body).toEqual({ data: { a: 1, b: { nested: true } } });
  });

  test("an unknown store reads as empty", async () => {
    const store = await herald.api("GET", "/v1/rooms/kv-room/stores/never-written");
    expect(store.status).toBe(200);
    expect(store.body).toEqual({ data: {} });
  });

  test("the store list names each store with its key count", async () => {
    await herald.api("PUT", keyPath("listed", "one"), { value: 1 });
    await herald.api("PUT", keyPath("listed", "two"), { value: 2 });
    const list = await herald.api("GET", "/v1/rooms/kv-room/stores?limit=100");
    expect(list.status).toBe(200);
    expect(list.body.data).toContainEqual(expect.objectContaining({ name: "listed", keyCount: 2 }));
    expect(list.body.nextCursor).toBeNull();
  });

  test("the store list pages with a cursor and visits every store once", async () => {
    await herald.api("POST", "/v1/rooms", { id: "kv-paged" });
    for (const name of ["s1", "s2", "s3", "s4", "s5"]) {
      await herald.api("PUT", keyPath(name, "k", "kv-paged"), { value: name });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await herald.api(
        "GET",
        `/v1/rooms/kv-paged/stores?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.data.map((s: { name: string }) => s.name));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(["s1", "s2", "s3", "s4", "s5"]);
  });

  test("a deleted key answers 404 and leaves the store's count", async () => {
    await herald.api("PUT", keyPath("temp", "gone"), { value: 1 });
    await herald.api("PUT", keyPath("temp", "kept"), { value: 2 });
    const removed = await herald.api("DELETE", keyPath("temp", "gone"));
    expect(removed.status).toBe(204);
    expect((await herald.api("GET", keyPath("temp", "gone"))).status).toBe(404);
    expect((await herald.api("DELETE", keyPath("temp", "gone"))).status).toBe(404);
    const list = await herald.api("GET", "/v1/rooms/kv-room/stores?limit=100");
    expect(list.body.data).toContainEqual(expect.objectContaining({ name: "temp", keyCount: 1 }));
  });

  test("a missing key answers 404 in the error shape", async () => {
    const missing = await herald.api("GET", keyPath("settings", "nope"));
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("not_found");
  });

  test("every store route answers 404 for a room that does not exist", async () => {
    for (const [method, path, body] of [
      ["GET", "/v1/rooms/no-such-room/stores"],
      ["GET", "/v1/rooms/no-such-room/stores/s"],
      ["GET", keyPath("s", "k", "no-such-room")],
      ["PUT", keyPath("s", "k", "no-such-room"), { value: 1 }],
      ["DELETE", keyPath("s", "k", "no-such-room")],
    ] as const) {
      const response = await herald.api(method, path, body);
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 404 });
      expect(response.body.error.code).toBe("not_found");
    }
  });

  test("a value up to 64 KiB is taken and a larger one is 413", async () => {
    const fits = "x".repeat(64 * 1024 - 2); // the JSON text adds two quotes
    expect((await herald.api("PUT", keyPath("big", "fits"), { value: fits })).status).toBe(200);
    const tooBig = await herald.api("PUT", keyPath("big", "too-big"), { value: `${fits}x` });
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.error.code).toBe("payload_too_large");
    expect((await herald.api("GET", keyPath("big", "too-big"))).status).toBe(404);
  });

  test("a PUT without a value is 422", async () => {
    for (const body of [{}, { other: 1 }, undefined]) {
      const response = await herald.api("PUT", keyPath("settings", "empty"), body);
      expect(response.status).toBe(422);
      expect(response.body.error.code).toBe("validation_failed");
    }
  });

  test("bad store and key names are 422", async () => {
    const cases: Record<string, string> = {
      "store name too long": keyPath("s".repeat(65), "k"),
      "key too long": keyPath("s", "k".repeat(257)),
      "space in key": keyPath("s", "a%20b"),
      "unicode in store name": keyPath("st%C3%B6re", "k"),
      "percent-encoded slash in key": keyPath("s", "a%2Fb"),
    };
    for (const [label, path] of Object.entries(cases)) {
      const response = await herald.api("PUT", path, { value: 1 });
      expect({ label, status: response.status }).toEqual({ label, status: 422 });
    }
  });

  test("a deleted room takes its stores with it", async () => {
    await herald.api("POST", "/v1/rooms", { id: "kv-doomed" });
    await herald.api("PUT", keyPath("s", "k", "kv-doomed"), { value: 1 });
    expect((await herald.api("DELETE", "/v1/rooms/kv-doomed")).status).toBe(204);
    await herald.api("POST", "/v1/rooms", { id: "kv-doomed" });
    expect((await herald.api("GET", "/v1/rooms/kv-doomed/stores")).body.data).toEqual([]);
  });
});

// Users of a room end to end: CRUD, the events each write fires (read back
// through GET /v1/events), and client tokens.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type HeraldProcess, startHerald } from "./harness";

let herald: HeraldProcess;

beforeAll(async () => {
  herald = await startHerald();
});
afterAll(async () => {
  await herald.stop();
});

async function room(id: string) {
  expect((await herald.api("POST", "/v1/rooms", { id })).status).toBe(201);
}

async function userEvents(roomId: string): Promise<any[]> {
  const response = await herald.api("GET", `/v1/events?roomId=${roomId}&limit=100`);
  expect(response.status).toBe(200);

  return (response.body.data as any[])
    .filter((e) => e.type.startsWith("user."))
    .sort((a, b) => a.sequence - b.sequence);
}

test("a user created, changed and deleted fires user.created, user.updated with changes, and user.deleted", async () => {
  await room("team");
  const created = await herald.api("POST", "/v1/rooms/team/users", {
    id: "ada",
    name: "Ada Lovelace",
    email: "ada@example.com",
    metadata: { team: "analytics" },
  });
  expect(created.status).toBe(201);
  expect(created.body).toEqual({
    id: "ada",
    roomId: "team",
    name: "Ada Lovelace",
    email: "ada@example.com",
    metadata: { team: "analytics" },
    online: false,
    createdAt: expect.any(String),
    updatedAt: created.body.createdAt,
  });

  const patched = await herald.api("PATCH", "/v1/rooms/team/users/ada", {
    name: "Ada King",
    email: "ada@example.com",
    metadata: { team: "analytics" },
  });
  expect(patched.status).toBe(200);
  expect(patched.body.name).toBe("Ada King");
  expect(patched.body.updatedAt >= created.body.updatedAt).toBe(true);

  const fetched = await herald.api("GET", "/v1/rooms/team/users/ada");
  expect(fetched.body).toEqual(patched.body);

  expect((await herald.api("DELETE", "/v1/rooms/team/users/ada")).status).toBe(204);
  expect((await herald.api("GET", "/v1/rooms/team/users/ada")).status).toBe(404);

  const events = await userEvents("team");
  expect(events.map((e) => e.type)).toEqual(["user.created", "user.updated", "user.deleted"]);
  expect(events[0].data.user).toEqual(created.body);
  expect(events[1].data.changes).toEqual({ name: { from: "Ada Lovelace", to: "Ada King" } });
  expect(events[1].data.user).toEqual(patched.body);
  expect(events[2].data.user).toEqual({ ...patched.body, online: false });
});

test("a change that changes nothing fires no event and keeps updatedAt", async () => {
  await room("quiet");
  const created = await herald.api("POST", "/v1/rooms/quiet/users", {
    id: "bob",
    name: "Bob",
    metadata: { a: 1, b: [1, 2] },
  });
  const same = await herald.api("PATCH", "/v1/rooms/quiet/users/bob", {
    name: "Bob",
    metadata: { b: [1, 2], a: 1 },
  });
  expect(same.status).toBe(200);
  expect(same.body.updatedAt).toBe(created.body.updatedAt);
  const empty = await herald.api("PATCH", "/v1/rooms/quiet/users/bob");
  expect(empty.status).toBe(200);

  const cleared = await herald.api("PATCH", "/v1/rooms/quiet/users/bob", { name: null, metadata: {} });
  expect(cleared.body).toMatchObject({ name: null, metadata: {} });
  const events = await userEvents("quiet");
  expect(events.map((e) => e.type)).toEqual(["user.created", "user.updated"]);
  expect(events[1].data.changes).toEqual({
    name: { from: "Bob", to: null },
    metadata: { from: { a: 1, b: [1, 2] }, to: {} },
  });
});

test("a user without an id gets a user_ id; a taken id is 409", async () => {
  await room("ids");
  const made = await herald.api("POST", "/v1/rooms/ids/users", {});
  expect(made.status).toBe(201);
  expect(made.body.id).toMatch(/^user_[0-9A-Za-z]{21}$/);
  expect(made.body).toMatchObject({ name: null, email: null, metadata: {} });

  expect((await herald.api("POST", "/v1/rooms/ids/users", { id: "x" })).status).toBe(201);
  const again = await herald.api("POST", "/v1/rooms/ids/users", { id: "x" });
  expect(again.status).toBe(409);
  expect(again.body.error.code).toBe("conflict");
});

test("the same user id may live in two rooms", async () => {
  await room("left-wing");
  await room("right-wing");
  expect((await herald.api("POST", "/v1/rooms/left-wing/users", { id: "sam" })).status).toBe(201);
  expect((await herald.api("POST", "/v1/rooms/right-wing/users", { id: "sam" })).status).toBe(201);
});

test("users are listed newest first, a page at a time, each with online", async () => {
  await room("crowd");
  for (const id of ["u1", "u2", "u3"]) {
    expect((await herald.api("POST", "/v1/rooms/crowd/users", { id })).status).toBe(201);
  }
  const first = await herald.api("GET", "/v1/rooms/crowd/users?limit=2");
  expect(first.body.data.map((u: any) => u.id)).toEqual(["u3", "u2"]);
  expect(first.body.data.every((u: any) => u.online === false)).toBe(true);
  const second = await herald.api("GET", `/v1/rooms/crowd/users?limit=2&cursor=${first.body.nextCursor}`);
  expect(second.body.data.map((u: any) => u.id)).toEqual(["u1"]);
  expect(second.body.nextCursor).toBeNull();
});

test("every users route answers 404 for a room that does not exist", async () => {
  const calls: Array<[string, string, unknown?]> = [
    ["POST", "/v1/rooms/nowhere/users", { id: "a" }],
    ["GET", "/v1/rooms/nowhere/users"],
    ["GET", "/v1/rooms/nowhere/users/a"],
    ["PATCH", "/v1/rooms/nowhere/users/a", { name: "x" }],
    ["DELETE", "/v1/rooms/nowhere/users/a"],
    ["POST", "/v1/rooms/nowhere/users/a/tokens", {}],
  ];
  for (const [method, path, body] of calls) {
    const response = await herald.api(method, path, body);
    expect([method, path, response.status]).toEqual([method, path, 404]);
    expect(response.body.error.code).toBe("not_found");
  }
});

test("an unknown user in a known room is 404", async () => {
  await room("known");
  for (const method of ["GET", "PATCH", "DELETE"]) {
    const response = await herald.api(method, "/v1/rooms/known/users/ghost", method === "PATCH" ? {} : undefined);
    expect(response.status).toBe(404);
  }
});

describe("bad input is a 422 naming the field", () => {
  const cases: Array<[string, unknown, string]> = [
    ["an id with a space", { id: "has space" }, "id"],
    ["an id of two dots", { id: ".." }, "id"],
    ["an id of 129 characters", { id: "a".repeat(129) }, "id"],
    ["an email that is not one", { email: "not-an-email" }, "email"],
    ["metadata that is an array", { metadata: [1, 2] }, "metadata"],
    ["metadata that is a string", { metadata: "text" }, "metadata"],
    ["metadata over 8 KiB", { metadata: { blob: "x".repeat(8 * 1024) } }, "metadata"],
    ["a name that is a number", { name: 42 }, "name"],
  ];
  beforeAll(async () => {
    await room("strict");
  });
  for (const [label, body, field] of cases) {
    test(label, async () => {
      const response = await herald.api("POST", "/v1/rooms/strict/users", body);
      expect(response.status).toBe(422);
      expect(response.body.error.code).toBe("validation_failed");
      expect(response.body.error.details.map((d: any) => d.field)).toContain(field);
    });
  }

  test("the same checks hold on PATCH", async () => {
    await herald.api("POST", "/v1/rooms/strict/users", { id: "p" });
    const response = await herald.api("PATCH", "/v1/rooms/strict/users/p", {
      metadata: { blob: "x".repeat(9000) },
    });
    expect(response.status).toBe(422);
    expect(await userEvents("strict")).toHaveLength(1);
  });
});

describe("client tokens", () => {
  beforeAll(async () => {
    await room("tokens");
    await herald.api("POST", "/v1/rooms/tokens/users", { id: "ada" });
  });

  test("a token lasts an hour by default", async () => {
    const response = await herald.api("POST", "/v1/rooms/tokens/users/ada/tokens");
    expect(response.status).toBe(201);
    expect(response.body.token).toBeString();
    const ttl = Date.parse(response.body.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(3590_000);
    expect(ttl).toBeLessThanOrEqual(3600_000);
  });

  test("ttlSeconds sets the expiry", async () => {
    const response = await herald.api("POST", "/v1/rooms/tokens/users/ada/tokens", { ttlSeconds: 60 });
    expect(response.status).toBe(201);
    const ttl = Date.parse(response.body.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  for (const ttlSeconds of [0, -5, 1.5, "soon", null, 8 * 24 * 3600]) {
    test(`ttlSeconds ${JSON.stringify(ttlSeconds)} is refused`, async () => {
      const response = await herald.api("POST", "/v1/rooms/tokens/users/ada/tokens", { ttlSeconds });
      expect(response.status).toBe(422);
    });
  }

  test("an unknown user gets no token", async () => {
    expect((await herald.api("POST", "/v1/rooms/tokens/users/nobody/tokens", {})).status).toBe(404);
  });
});

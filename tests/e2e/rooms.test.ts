// Rooms end to end: create, list, read, change, delete, and what deleting
// a room takes with it (users, store entries, files).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type HeraldProcess, startHerald } from "./harness";

let herald: HeraldProcess;

beforeAll(async () => {
  herald = await startHerald();
});
afterAll(async () => {
  await herald.stop();
});

test("a room made with its own id is 201, and the same id again is 409", async () => {
  const made = await herald.api("POST", "/v1/rooms", {
    id: "design-review",
    name: "Design review",
    metadata: { project: "atlas", floor: 3 },
  });
  expect(made.status).toBe(201);
  expect(made.body).toEqual({
    id: "design-review",
    name: "Design review",
    metadata: { project: "atlas", floor: 3 },
    createdAt: expect.any(String),
    updatedAt: made.body.createdAt,
    participantCount: 0,
    activeSessionId: null,
  });
  expect(new Date(made.body.createdAt).toISOString()).toBe(made.body.createdAt);

  const again = await herald.api("POST", "/v1/rooms", { id: "design-review" });
  expect(again.status).toBe(409);
  expect(again.body.error.code).toBe("conflict");

  const read = await herald.api("GET", "/v1/rooms/design-review");
  expect(read.status).toBe(200);
  expect(read.body).toEqual(made.body);
});

test("a room made with no body gets a room_ id and empty fields", async () => {
  const made = await herald.api("POST", "/v1/rooms");
  expect(made.status).toBe(201);
  expect(made.body.id).toMatch(/^room_[0-9A-Za-z]{21}$/);
  expect(made.body).toMatchObject({ name: null, metadata: {} });
});

test("ids of a caller's own app may use . _ : and -", async () => {
  for (const id of ["org:42", "a.b_c-d", "X".repeat(128)]) {
    const made = await herald.api("POST", "/v1/rooms", { id });
    expect([id, made.status]).toEqual([id, 201]);
    expect((await herald.api("GET", `/v1/rooms/${encodeURIComponent(id)}`)).status).toBe(200);
  }
});

describe("bad input is a 422 naming the field", () => {
  const cases: Array<[string, unknown, string]> = [
    ["an empty id", { id: "" }, "id"],
    ["an id with a slash", { id: "a/b" }, "id"],
    ["an id of one dot", { id: "." }, "id"],
    ["an id of 129 characters", { id: "a".repeat(129) }, "id"],
    ["an id that is a number", { id: 7 }, "id"],
    ["metadata that is an array", { metadata: ["a"] }, "metadata"],
    ["metadata that is null", { metadata: null }, "metadata"],
    ["metadata over 8 KiB", { metadata: { blob: "x".repeat(8 * 1024) } }, "metadata"],
    ["a name over 256 characters", { name: "n".repeat(257) }, "name"],
  ];
  for (const [label, body, field] of cases) {
    test(label, async () => {
      const response = await herald.api("POST", "/v1/rooms", body);
      expect(response.status).toBe(422);
      expect(response.body.error.code).toBe("validation_failed");
      expect(response.body.error.details.map((d: any) => d.field)).toContain(field);
    });
  }

  test("metadata of exactly 8 KiB is accepted", async () => {
    const metadata = { blob: "x".repeat(8 * 1024 - '{"blob":""}'.length) };
    expect(Buffer.byteLength(JSON.stringify(metadata))).toBe(8 * 1024);
    expect((await herald.api("POST", "/v1/rooms", { metadata })).status).toBe(201);
  });

  test("a body that is not JSON is 400", async () => {
    const response = await herald.api("POST", "/v1/rooms", "{not json");
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("invalid_json");
  });
});

test("rooms are listed newest first, a page at a time, with no repeats while rooms are added", async () => {
  const list = await startHerald();
  try {
    for (const id of ["r1", "r2", "r3", "r4", "r5"]) {
      expect((await list.api("POST", "/v1/rooms", { id })).status).toBe(201);
    }
    const first = await list.api("GET", "/v1/rooms?limit=2");
    expect(first.body.data.map((r: any) => r.id)).toEqual(["r5", "r4"]);
    expect(first.body.data[0]).toMatchObject({ participantCount: 0, activeSessionId: null });
    expect((await list.api("POST", "/v1/rooms", { id: "r6" })).status).toBe(201);

    const second = await list.api("GET", `/v1/rooms?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.data.map((r: any) => r.id)).toEqual(["r3", "r2"]);
    const third = await list.api("GET", `/v1/rooms?limit=2&cursor=${second.body.nextCursor}`);
    expect(third.body.data.map((r: any) => r.id)).toEqual(["r1"]);
    expect(third.body.nextCursor).toBeNull();

    expect((await list.api("GET", "/v1/rooms?limit=0")).status).toBe(422);
    expect((await list.api("GET", "/v1/rooms?limit=101")).status).toBe(422);
    expect((await list.api("GET", "/v1/rooms?cursor=garbage")).status).toBe(422);
  } finally {
    await list.stop();
  }
});

test("PATCH changes only the fields given; null clears the name", async () => {
  await herald.api("POST", "/v1/rooms", { id: "patchy", name: "Old", metadata: { a: 1 } });
  const renamed = await herald.api("PATCH", "/v1/rooms/patchy", { name: "New" });
  expect(renamed.status).toBe(200);
  expect(renamed.body).toMatchObject({ name: "New", metadata: { a: 1 } });

  const remeta = await herald.api("PATCH", "/v1/rooms/patchy", { metadata: { b: 2 } });
  expect(remeta.body).toMatchObject({ name: "New", metadata: { b: 2 } });

  const cleared = await herald.api("PATCH", "/v1/rooms/patchy", { name: null });
  expect(cleared.body.name).toBeNull();
  expect((await herald.api("GET", "/v1/rooms/patchy")).body).toEqual(cleared.body);

  expect((await herald.api("PATCH", "/v1/rooms/patchy", { metadata: [1] })).status).toBe(422);
  expect((await herald.api("PATCH", "/v1/rooms/nope", { name: "x" })).status).toBe(404);
});

test("an unknown room is 404 in the spec's error shape", async () => {
  for (const method of ["GET", "DELETE"]) {
    const response = await herald.api(method, "/v1/rooms/never-made");
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ error: { code: "not_found", message: expect.any(String) } });
  }
});

test("deleting a room deletes its users, store entries and files, and fires user.deleted for each user", async () => {
  await herald.api("POST", "/v1/rooms", { id: "attic" });
  await herald.api("POST", "/v1/rooms/attic/users", { id: "ada" });
  await herald.api("POST", "/v1/rooms/attic/users", { id: "bob" });
  const put = await herald.api("PUT", "/v1/rooms/attic/stores/notes/keys/first", { value: { text: "hi" } });
  expect(put.status).toBe(200);
  const upload = await fetch(`${herald.url}/v1/rooms/attic/files/docs/plan.txt`, {
    method: "PUT",
    headers: { authorization: `Bearer ${herald.apiKey}`, "content-type": "text/plain" },
    body: "the plan",
  });
  expect(upload.status).toBeLessThan(300);
  const folder = join(herald.dataDir, "files", "attic");
  expect(existsSync(folder)).toBe(true);

  expect((await herald.api("DELETE", "/v1/rooms/attic")).status).toBe(204);
  expect((await herald.api("GET", "/v1/rooms/attic")).status).toBe(404);
  expect(existsSync(folder)).toBe(false);

  const events = await herald.api("GET", "/v1/events?roomId=attic&type=user.deleted");
  expect(events.body.data.map((e: any) => e.data.user.id).sort()).toEqual(["ada", "bob"]);

  // Made again with the same id, the room starts empty.
  expect((await herald.api("POST", "/v1/rooms", { id: "attic" })).status).toBe(201);
  expect((await herald.api("GET", "/v1/rooms/attic/users")).body.data).toEqual([]);
  expect((await herald.api("GET", "/v1/rooms/attic/stores/notes/keys/first")).status).toBe(404);
  const files = await herald.api("GET", "/v1/rooms/attic/files");
  expect(files.status).toBe(200);
  expect(files.body.data).toEqual([]);
});

// File uploads racing their room's deletion. Guards a fault a tester found:
// an upload writing while DELETE /v1/rooms/:id removed the room's folder
// answered 500 (ENOENT on its temporary file), and an upload that added its
// row after the room's rows were deleted showed up again in a new room of
// the same id. Every upload must either finish before the delete (and go
// with the room) or answer 404.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { type HeraldProcess, startHerald, TEST_API_KEY } from "./harness";

let herald: HeraldProcess;

beforeAll(async () => {
  herald = await startHerald();
});
afterAll(() => herald.stop());

function upload(roomId: string, name: string, size: number): Promise<Response> {
  return fetch(`${herald.url}/v1/rooms/${roomId}/files/${name}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${TEST_API_KEY}` },
    body: new Uint8Array(size),
  });
}

test("uploads racing their room's deletion finish first or answer 404, and a room made again with the same id has no files", async () => {
  const statuses: number[] = [];
  const leftovers: string[] = [];
  for (let i = 0; i < 8; i++) {
    const roomId = `race-${i}`;
    expect((await herald.api("POST", "/v1/rooms", { id: roomId })).status).toBe(201);
    // The delete goes out after a different number of uploads each round,
    // so it meets uploads at every stage: reading, writing, renaming.
    const uploads: Promise<Response>[] = [];
    let deletion: Promise<{ status: number }> | undefined;
    for (let j = 0; j < 6; j++) {
      if (j === i % 6) deletion = herald.api("DELETE", `/v1/rooms/${roomId}`);
      uploads.push(upload(roomId, j % 2 ? `nested/n${j}` : `n${j}`, 256 * 1024 * (j + 1)));
    }
    expect((await deletion)?.status).toBe(204);
    for (const answer of await Promise.all(uploads)) {
      statuses.push(answer.status);
      const body = (await answer.json()) as { error?: { code: string } };
      if (answer.status === 404) expect(body.error?.code).toBe("not_found");
    }

    expect((await herald.api("POST", "/v1/rooms", { id: roomId })).status).toBe(201);
    const list = await herald.api("GET", `/v1/rooms/${roomId}/files?limit=100`);
    for (const file of list.body.data) leftovers.push(`${roomId}/${file.name}`);
    const folder = join(herald.dataDir, "files", roomId);
    if (existsSync(folder)) {
      for (const entry of readdirSync(folder, { recursive: true })) leftovers.push(`disk:${roomId}/${entry}`);
    }
  }

  const unhandled = herald.logs.filter((line) => line.msg === "unhandled error");
  expect({ unexpected: statuses.filter((s) => s !== 200 && s !== 404), leftovers, unhandled }).toEqual({
    unexpected: [],
    leftovers: [],
    unhandled: [],
  });
}, 30_000);

test("an upload to a room deleted before it arrived answers 404 and leaves no folder", async () => {
  expect((await herald.api("POST", "/v1/rooms", { id: "gone-room" })).status).toBe(201);
  expect((await herald.api("DELETE", "/v1/rooms/gone-room")).status).toBe(204);
  const answer = await upload("gone-room", "late.bin", 1024);
  expect(answer.status).toBe(404);
  expect(existsSync(join(herald.dataDir, "files", "gone-room"))).toBe(false);
});

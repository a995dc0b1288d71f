import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHerald, TEST_API_KEY } from "./harness";

test("a backup is a consistent SQLite copy holding what was written, and leaves no file behind", async () => {
  await using herald = await startHerald();
  await herald.api("POST", "/v1/rooms", { id: "kept-room", name: "Kept" });

  const res = await fetch(`${herald.url}/v1/backup`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } });
  expect(res.status).toBe(200);
  const bytes = new Uint8Array(await res.arrayBuffer());
  expect(new TextDecoder().decode(bytes.slice(0, 15))).toBe("SQLite format 3");

  const dir = mkdtempSync(join(tmpdir(), "herald-backup-"));
  try {
    writeFileSync(join(dir, "copy.db"), bytes);
    const copy = new Database(join(dir, "copy.db"), { readonly: true });
    const row = copy.query("SELECT name FROM rooms WHERE id = 'kept-room'").get() as { name: string };
    expect(row.name).toBe("Kept");
    copy.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  expect(readdirSync(herald.dataDir).filter((f) => f.startsWith(".backup-"))).toEqual([]);
});

test("a backup needs an API key", async () => {
  await using herald = await startHerald();
  const res = await fetch(`${herald.url}/v1/backup`);
  expect(res.status).toBe(401);
});

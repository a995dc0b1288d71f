// Start-up configuration: a bad value stops the start with one line naming
// the variable (operations.md), before anything listens.

import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHerald, TEST_API_KEY } from "./harness";

const ROOT = join(import.meta.dir, "..", "..");

async function startWith(env: Record<string, string>) {
  const dataDir = mkdtempSync(join(tmpdir(), "herald-config-"));
  const proc = Bun.spawn([process.execPath, join(ROOT, "src", "main.ts")], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: "/tmp", HERALD_PORT: "0", HERALD_DATA_DIR: dataDir, HERALD_API_KEY: TEST_API_KEY, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
  const code = await proc.exited;
  clearTimeout(timer);
  const stderr = await new Response(proc.stderr).text();
  rmSync(dataDir, { recursive: true, force: true });

  return { code, stderr };
}

const BAD: Array<[label: string, variable: string, value: string]> = [
  ["a port that is not a number", "HERALD_PORT", "abc"],
  ["a port out of range", "HERALD_PORT", "70000"],
  ["an unknown log level", "HERALD_LOG_LEVEL", "loud"],
  ["a retry step with an unknown unit", "HERALD_RETRY_SCHEDULE", "5s,5x"],
  ["an empty retry step", "HERALD_RETRY_SCHEDULE", "5s,,5m"],
  ["a retry step past any date", "HERALD_RETRY_SCHEDULE", "1000000000d"],
  ["a disable-after that is not a duration", "HERALD_DISABLE_AFTER", "forever"],
  ["a CIDR prefix too long", "HERALD_ALLOW_PRIVATE_TARGETS", "10.0.0.0/99"],
  ["an IPv4 octet over 255", "HERALD_ALLOW_PRIVATE_TARGETS", "999.1.1.1/8"],
  ["a garbled IPv6 range", "HERALD_ALLOW_PRIVATE_TARGETS", "::::::/200"],
  ["an API key with spaces (no request could send it)", "HERALD_API_KEY", "has spaces in the middle of it"],
  ["an API key that is too short", "HERALD_API_KEY", "short"],
  ["a concurrency of zero", "HERALD_DELIVERY_CONCURRENCY", "0"],
  ["a negative grace period", "HERALD_PRESENCE_GRACE_MS", "-5"],
];

describe("a bad value stops the start naming the variable", () => {
  for (const [label, variable, value] of BAD) {
    test(label, async () => {
      const { code, stderr } = await startWith({ [variable]: value });
      expect(code).toBe(1);
      expect(stderr).toContain(`Herald cannot start: ${variable}`);
    });
  }

  test("a data directory that is a plain file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "herald-config-file-"));
    const file = join(dir, "not-a-dir");
    writeFileSync(file, "x");
    const { code, stderr } = await startWith({ HERALD_DATA_DIR: file });
    rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(1);
    expect(stderr).toContain("Herald cannot start: HERALD_DATA_DIR");
  });

  test("a port another Herald already holds", async () => {
    await using first = await startHerald();
    const { code, stderr } = await startWith({ HERALD_PORT: String(first.port) });
    expect(code).toBe(1);
    expect(stderr).toContain("Herald cannot start: HERALD_PORT");
  });
});

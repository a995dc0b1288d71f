// Client tokens: what a valid one carries, and the forgeries readToken
// must refuse. The secret is read from a real file in a temp directory.

import { afterAll, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadTokenSecret, readToken, signToken, TOKEN_SECRET_FILE } from "../../src/presence/tokens";

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "herald-tokens-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const claims = { r: "design-review", u: "ada", c: "2026-12-03T12:00:00.000Z", e: 1_900_000_000_000 };

test("the secret is made once, kept in a file only its owner can read, and read back the same", () => {
  const dir = tempDir();
  const first = loadTokenSecret(dir);
  expect(first.length).toBe(32);
  expect(statSync(join(dir, TOKEN_SECRET_FILE)).mode & 0o777).toBe(0o600);
  expect(loadTokenSecret(dir).equals(first)).toBe(true);
});

test("a secret file that holds too short a key stops the start with a message", () => {
  const dir = tempDir();
  writeFileSync(join(dir, TOKEN_SECRET_FILE), "short");
  expect(() => loadTokenSecret(dir)).toThrow(/32-byte key/);
});

test("a signed token reads back its claims", () => {
  const secret = loadTokenSecret(tempDir());
  expect(readToken(secret, signToken(secret, claims))).toEqual(claims);
});

describe("forgeries are refused", () => {
  const secret = loadTokenSecret(tempDir());
  const token = signToken(secret, claims);
  const [body, signature] = token.split(".");
  const reclaim = (change: object) =>
    `${Buffer.from(JSON.stringify({ ...claims, ...change })).toString("base64url")}.${signature}`;
  const cases: Array<[string, string]> = [
    ["signed with another secret", signToken(loadTokenSecret(tempDir()), claims)],
    ["another room under the same signature", reclaim({ r: "other" })],
    ["a later expiry under the same signature", reclaim({ e: claims.e + 1 })],
    ["a signature cut short", `${body}.${signature.slice(0, -2)}`],
    ["no signature", `${body}.`],
    ["no dot", body],
    ["three parts", `${token}.extra`],
    ["empty", ""],
    ["a signed body that is not JSON", (() => {
      const junk = Buffer.from("not json").toString("base64url");
      return signToken(secret, claims).replace(body, junk);
    })()],
  ];
  for (const [label, forged] of cases) {
    test(label, () => {
      expect(readToken(secret, forged)).toBeNull();
    });
  }

  test("a validly signed body with missing claims", () => {
    const partial = Buffer.from(JSON.stringify({ r: "x" })).toString("base64url");
    const mac = createHmac("sha256", secret).update(partial).digest("base64url");
    expect(readToken(secret, `${partial}.${mac}`)).toBeNull();
  });
});

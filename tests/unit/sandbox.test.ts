// The sandbox on its own: compile a source, run it in the worker pool
// with a stand-in for the host's bindings, read the report. No server.

import { afterAll, describe, expect, test } from "bun:test";
import { compile, CompileError } from "../../src/sandbox/compile";
import { SandboxPool, type RunReport } from "../../src/sandbox/pool";
import { executionError } from "../../src/sandbox/stack";
import { type CallMethod, logLineCost } from "../../src/sandbox/protocol";

const pool = new SandboxPool(2);
afterAll(() => pool.stop());

const event = { id: "evt_1", type: "app.x", timestamp: "2026-12-03T12:00:00.000Z", roomId: "r1", sequence: 1, data: { n: 1 } };

async function run(
  source: string,
  { timeoutMs = 2000, serve = async (_m: CallMethod, _a: unknown[]): Promise<unknown> => undefined, permissions = [] as string[] } = {},
): Promise<RunReport & { stack?: string }> {
  const compiled = await compile(source);
  const report = await pool.run(
    { script: compiled.script, mappings: compiled.mappings, event, env: { TOKEN: "s3cret" }, permissions },
    { timeoutMs, serve },
  );
  if (report.status === "failed") return { ...report, stack: executionError(report.error).stack };

  return report;
}

describe("compile", () => {
  test("a syntax error is refused with its line and column", async () => {
    const error = await compile("export default function () {\n  const x = ;\n}\n").catch((e) => e);
    expect(error).toBeInstanceOf(CompileError);
    expect(error.line).toBe(2);
    expect(error.column).toBe(13);
  });

  test("imports are refused", async () => {
    const error = await compile('import fs from "node:fs";\nexport default () => fs;').catch((e) => e);
    expect(error).toBeInstanceOf(CompileError);
    expect(error.message).toContain("cannot import");
  });

  test("text SES would refuse at run time is refused at save time with its position", async () => {
    const error = await compile('export default () => {\n  return "<!-- x";\n};').catch((e) => e);
    expect(error).toBeInstanceOf(CompileError);
    expect([error.line, error.column]).toEqual([2, 11]);
  });

  test("a module without a default export is refused", async () => {
    const error = await compile("export const x = 1;").catch((e) => e);
    expect(error.message).toContain("no default export");
  });
});

describe("running", () => {
  test("the handler's return value, the event and env come through", async () => {
    const report = await run("export default async (event, { env }) => ({ type: event.type, n: event.data.n, token: env.TOKEN });");
    expect(report.status).toBe("success");
    if (report.status === "success") expect(JSON.parse(report.result as string)).toEqual({ type: "app.x", n: 1, token: "s3cret" });
  });

  test("TypeScript types are stripped", async () => {
    const report = await run(
      "interface E { type: string }\nexport default async function (event: E): Promise<string> {\n  const t: string = event.type as string;\n  return t;\n}\n",
    );
    expect(report).toMatchObject({ status: "success", result: '"app.x"' });
  });

  test("console lines are captured, strings as they are and other values as JSON", async () => {
    const report = await run('export default () => { console.log("a", 1, { b: 2 }); console.warn("w"); };');
    expect(report.logs.map(({ level, message }) => ({ level, message }))).toEqual([
      { level: "log", message: 'a 1 {"b":2}' },
      { level: "warn", message: "w" },
    ]);
  });

  test("console output past 64 KiB of log JSON is cut to fit and marked once", async () => {
    const report = await run('export default () => { for (let i = 0; i < 2000; i++) console.log("x".repeat(100)); };');
    const last = report.logs[report.logs.length - 1];
    expect(last.message).toBe("…truncated");
    expect(report.logs.filter((line) => line.message === "…truncated")).toHaveLength(1);
    const kept = report.logs.slice(0, -1).reduce((n, line) => n + logLineCost(line), 0);
    // The line that passed the cap was cut to fit, or left out when not even its frame fit.
    expect(kept).toBeLessThanOrEqual(64 * 1024);
    expect(kept).toBeGreaterThan(64 * 1024 - logLineCost({ ...last, message: "" }));
  });

  test("process, Bun, require, SharedArrayBuffer, Atomics and WebAssembly are absent", async () => {
    const report = await run(
      "export default () => [typeof process, typeof Bun, typeof require, typeof SharedArrayBuffer, typeof Atomics, typeof WebAssembly, typeof Compartment];",
    );
    expect(report).toMatchObject({ status: "success" });
    if (report.status === "success") expect(JSON.parse(report.result as string)).toEqual(Array(7).fill("undefined"));
  });

  test("the listed globals are present and Date and Math.random work", async () => {
    const report = await run(`export default async () => {
  const u = new URL("https://example.com/a?b=1");
  u.searchParams.set("c", "2");
  const h = new Headers({ "X-A": "1" });
  const r = new Response("hi", { status: 201 });
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode("k"), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode("m"));
  await new Promise((resolve) => setTimeout(resolve, 5));
  return [u.href, h.get("x-a"), r.status, await r.text(), mac.byteLength, typeof Date.now(), Math.random() < 1, btoa("a"), crypto.randomUUID().length];
};`);
    expect(report).toMatchObject({ status: "success" });
    if (report.status === "success") {
      expect(JSON.parse(report.result as string)).toEqual(["https://example.com/a?b=1&c=2", "1", 201, "hi", 32, "number", true, "YQ==", 36]);
    }
  });

  test("the global scope is frozen and fresh for each execution", async () => {
    const first = await run("export default () => { try { globalThis.leak = 1; } catch (e) { return e.name; } };");
    expect(first).toMatchObject({ status: "success", result: '"TypeError"' });
    const proto = await run("export default () => { try { Array.prototype.leak = 1; } catch (e) { return e.name; } };");
    expect(proto).toMatchObject({ status: "success", result: '"TypeError"' });
    const second = await run("export default () => [typeof leak, typeof [].leak];");
    expect(second).toMatchObject({ status: "success", result: '["undefined","undefined"]' });
  });

  test("a thrown error names the lines of the source as written", async () => {
    const source = [
      "// a comment that the compiler drops",
      "type T = { a: number };",
      "",
      "function inner(x: T): never {",
      '  throw new TypeError("bad " + x.a);',
      "}",
      "",
      "export default function handler() {",
      "  inner({ a: 1 });",
      "}",
    ].join("\n");
    const report = await run(source);
    expect(report.status).toBe("failed");
    if (report.status !== "failed") return;
    expect(report.error.name).toBe("TypeError");
    expect(report.error.message).toBe("bad 1");
    const frames = report.stack?.split("\n").slice(1) ?? [];
    expect(frames[0]).toBe("    at inner (workflow:5:9)");
    expect(frames[1]).toMatch(/^ {4}at handler \(workflow:9:\d+\)$/);
    expect(frames.every((line) => line.includes("workflow:"))).toBe(true);
  });

  test("while (true) {} ends as a timeout and the next execution still runs", async () => {
    const stuck = await run("export default () => { while (true) {} };", { timeoutMs: 200 });
    expect(stuck.status).toBe("timeout");
    const recursion = await run('"use strict"; function f(n) { return f(n + 1); }\nexport default () => f(0);', { timeoutMs: 200 });
    expect(recursion.status).not.toBe("success");
    const next = await run("export default () => 42;");
    expect(next).toMatchObject({ status: "success", result: "42" });
  });

  test("a worker left spinning microtasks after returning is replaced, and the next execution runs", async () => {
    const single = new SandboxPool(1);
    try {
      const once = async (source: string) => {
        const compiled = await compile(source);
        return single.run({ script: compiled.script, mappings: compiled.mappings, event, env: {}, permissions: [] }, { timeoutMs: 3000, serve: async () => null });
      };
      const left = await once("export default () => { (function spin() { Promise.resolve().then(spin); })(); return 'returned'; };");
      expect(left).toMatchObject({ status: "success", result: '"returned"' });
      expect(await once("export default () => 'next';")).toMatchObject({ status: "success", result: '"next"' });
    } finally {
      await single.stop();
    }
  });

  test("an endless promise chain inside the handler ends as a timeout", async () => {
    const report = await run("export default async () => { for (;;) await null; };", { timeoutMs: 200 });
    expect(report.status).toBe("timeout");
  });

  test("bindings are served by the host and their answers are copies", async () => {
    const calls: Array<[string, unknown[]]> = [];
    const shared = { count: 1 };
    const serve = async (method: CallMethod, args: unknown[]) => {
      calls.push([method, args]);
      return method === "store.get" ? shared : null;
    };
    const report = await run(
      'export default async (e, { store, room }) => { const v = await store.get("s", "k"); v.count = 99; return [v.count, await room.get(), typeof store.set]; };',
      { serve },
    );
    expect(report).toMatchObject({ status: "success", result: '[99,null,"undefined"]' });
    expect(shared.count).toBe(1);
    expect(calls).toEqual([["store.get", ["s", "k"]], ["room.get", []]]);
  });

  test("a result over 64 KiB fails the execution", async () => {
    const report = await run('export default () => "x".repeat(70000);');
    expect(report.status).toBe("failed");
    if (report.status === "failed") expect(report.error.name).toBe("RangeError");
  });
});

// Workflow code trying to reach the host or the next execution, as a
// tester probed it: constructors of every function it is handed, eval,
// the shared prototypes, the bindings, stack machinery. Each probe is a
// labelled case; none may reach `process` or `Bun`, and nothing one
// execution changes may be seen by the next (one worker, so they share it).
// Odd return values and throws end as a plain success or failure.

import { afterAll, describe, expect, test } from "bun:test";
import { compile } from "../../src/sandbox/compile";
import { type RunReport, SandboxPool } from "../../src/sandbox/pool";

const pool = new SandboxPool(1);
afterAll(() => pool.stop());

const event = { id: "evt_1", type: "app.x", timestamp: "2026-12-03T12:00:00.000Z", roomId: "r1", sequence: 1, data: {} };

async function run(source: string, timeoutMs = 2000): Promise<RunReport> {
  const compiled = await compile(source);
  return pool.run(
    { script: compiled.script, mappings: compiled.mappings, event, env: { TOKEN: "t" }, permissions: [] },
    { timeoutMs, serve: async () => undefined },
  );
}

// Each probe returns what it reached; a throw counts as reaching nothing.
const probes: Record<string, string> = {
  "Function('return this')": 'Function("return this")().process',
  "a function's constructor": '(function () {}).constructor("return typeof process")()',
  "an async function's constructor": 'Object.getPrototypeOf(async function () {}).constructor("return typeof process")',
  "a binding's constructor chain": 'bindings.store.get.constructor.constructor("return typeof process")()',
  "console.log's constructor": 'console.log.constructor("return typeof Bun")()',
  "fetch's constructor": 'fetch.constructor("return typeof Bun")()',
  "setTimeout's constructor": 'setTimeout.constructor.constructor("return this")().Bun',
  "a Response's constructor": 'new Response("x").constructor.constructor("return typeof Bun")()',
  "indirect eval": '(0, eval)("typeof process")',
  "globalThis.process": "globalThis.process",
};

const mutations: Record<string, string> = {
  "Object.prototype": "Object.prototype.polluted = 1",
  "Array.prototype.push": "Array.prototype.push = () => 0",
  "Headers.prototype.get": 'Headers.prototype.get = () => "pwned"',
  "URL.prototype.toString": 'URL.prototype.toString = () => "pwned"',
  "console.log": "console.log = () => 0",
  "env": "bindings.env.X = 1",
  "store.get": "bindings.store.get = 1",
  "a new global": "globalThis.leak = 1",
};

describe("probes", () => {
  for (const [label, expression] of Object.entries(probes)) {
    test(`${label} reaches nothing of the host`, async () => {
      const report = await run(`export default (event, bindings) => {
  try {
    const value = ${expression};
    return typeof value === "string" ? value : typeof value;
  } catch (error) {
    return "threw";
  }
};`);
      expect(report.status).toBe("success");
      if (report.status === "success") expect(["\"undefined\"", "\"threw\""]).toContain(report.result as string);
      if (report.status === "success") expect(report.result).not.toMatch(/object|function/);
    });
  }
});

test("a prepareStackTrace of the workflow's own is never called, so no call site reaches it", async () => {
  const report = await run(`export default () => {
  Error.prepareStackTrace = (error, sites) => "hijacked " + sites.map((site) => typeof site.getFunction).join();
  return new Error("x").stack;
};`);
  expect(report.status).toBe("success");
  if (report.status === "success") expect(JSON.parse(report.result as string)).toStartWith("Error: x\n    at ");
});

describe("changes that must not stick", () => {
  for (const [label, statement] of Object.entries(mutations)) {
    test(`changing ${label} throws`, async () => {
      const report = await run(`export default (event, bindings) => {
  try {
    ${statement};
    return "changed";
  } catch (error) {
    return error.name;
  }
};`);
      expect(report).toMatchObject({ status: "success", result: '"TypeError"' });
    });
  }

  test("the next execution sees the shared objects as they were", async () => {
    const report = await run(`export default () => [
  ({}).polluted,
  typeof globalThis.leak,
  new Headers({ a: "1" }).get("a"),
  String(new URL("http://a/")),
  [].push(1),
  typeof Error.prepareStackTrace === "function" ? Error.prepareStackTrace(new Error("x"), []) : "",
];`);
    expect(report).toMatchObject({ status: "success", result: '[null,"undefined","1","http://a/",1,""]' });
  });
});

describe("odd return values and throws", () => {
  const cases: Array<[label: string, source: string, status: string]> = [
    ["a BigInt", "export default () => 10n;", "failed"],
    ["a cycle", "export default () => { const a = {}; a.a = a; return a; };", "failed"],
    ["a getter that throws", 'export default () => ({ get x() { throw new Error("boom"); } });', "failed"],
    ["a toJSON that throws a number", "export default () => ({ toJSON() { throw 5; } });", "failed"],
    ["a proxy whose ownKeys throws", 'export default () => new Proxy({}, { ownKeys() { throw new Error("trap"); } });', "failed"],
    ["a thenable", "export default () => ({ then(resolve) { resolve({ v: 1 }); } });", "success"],
    ["a thrown string", 'export default () => { throw "str"; };', "failed"],
    ["a thrown null", "export default () => { throw null; };", "failed"],
    ["endless recursion", "export default function f() { return f() + 1; }", "failed"],
  ];
  for (const [label, source, status] of cases) {
    test(`${label} ends as ${status}`, async () => {
      const report = await run(source);
      expect(report.status).toBe(status as RunReport["status"]);
    });
  }

  test("a thrown value whose stack getter never returns ends as timeout, and the next execution runs", async () => {
    const report = await run(
      'export default () => { throw new Proxy(new Error("p"), { get(t, k) { if (k === "stack") for (;;) {} return t[k]; } }); };',
      300,
    );
    expect(report.status).toBe("timeout");
    expect(await run("export default () => 1;")).toMatchObject({ status: "success", result: "1" });
  });
});

// The sandbox's limits hold whatever workflow code does, and a worker that
// meets such code goes on to the next execution. Regressions from a
// tester's reports: 300,000 empty console lines were all kept (an 18 MB
// record); setTimeout(r, 2 ** 31) killed the worker; a 5 MB error message
// was stored whole; a stack of spaces made the frame parser backtrack;
// `e.stack` inside the sandbox showed Herald's own file paths.

import { afterAll, describe, expect, test } from "bun:test";
import { compile } from "../../src/sandbox/compile";
import { type RunReport, SandboxPool } from "../../src/sandbox/pool";
import { type GuestMessage, LOG_LIMIT_BYTES, logLineCost } from "../../src/sandbox/protocol";
import { executionError } from "../../src/sandbox/stack";
import { RunContext, timerDelay } from "../../sandbox/run-context";
import { parseFrames } from "../../sandbox/stacks";

// One worker: every execution here follows the one before in the same worker.
const pool = new SandboxPool(1);
afterAll(() => pool.stop());

const event = { id: "evt_1", type: "app.x", timestamp: "2026-12-03T12:00:00.000Z", roomId: "r1", sequence: 1, data: {} };

async function run(source: string, timeoutMs = 2000): Promise<RunReport & { stack?: string }> {
  const compiled = await compile(source);
  const report = await pool.run(
    { script: compiled.script, mappings: compiled.mappings, event, env: {}, permissions: [] },
    { timeoutMs, serve: async () => undefined },
  );
  if (report.status === "failed") return { ...report, stack: executionError(report.error).stack };

  return report;
}

async function stillRuns(): Promise<void> {
  expect(await run("export default () => 42;")).toMatchObject({ status: "success", result: "42" });
}

const logJsonBytes = (report: RunReport) => new TextEncoder().encode(JSON.stringify(report.logs)).byteLength;

describe("console", () => {
  const floods: Array<[label: string, call: string]> = [
    ["console.log()", "console.log()"],
    ['console.log("")', 'console.log("")'],
    ["console.debug(0)", "console.debug(0)"],
  ];
  for (const [label, call] of floods) {
    test(`300,000 calls of ${label} keep at most 64 KiB of log JSON, then one mark`, async () => {
      const report = await run(`export default () => { for (let i = 0; i < 300000; i++) ${call}; return 1; };`);
      expect(report.status).toBe("success");
      expect(logJsonBytes(report)).toBeLessThan(LOG_LIMIT_BYTES + 200);
      expect(report.logs.filter((line) => line.message === "…truncated")).toHaveLength(1);
      expect(report.logs[report.logs.length - 1].message).toBe("…truncated");
    });
  }

  test("past the cap the guest sends no more lines to the host", () => {
    const sent: GuestMessage[] = [];
    const context = new RunContext(1, (message) => sent.push(message));
    for (let i = 0; i < 300_000; i++) context.log("log", "");
    const cost = sent.reduce((n, m) => n + (m.type === "log" ? logLineCost(m) : 0), 0);
    expect(cost).toBeGreaterThan(LOG_LIMIT_BYTES);
    expect(sent.length).toBeLessThan(LOG_LIMIT_BYTES / 40);
    expect(context.logging).toBe(false);
  });

  test("one line longer than the cap is cut to fit", async () => {
    const report = await run('export default () => { console.log("y".repeat(200000)); };');
    expect(report.logs).toHaveLength(2);
    expect(report.logs[0].message.length).toBeGreaterThan(LOG_LIMIT_BYTES - 100);
    expect(logJsonBytes(report)).toBeLessThan(LOG_LIMIT_BYTES + 200);
  });
});

describe("timers", () => {
  test("any delay is taken: not a number, NaN or negative is 0, past 60 s never fires", () => {
    const cases: Array<[unknown, number | null]> = [
      [-5, 0],
      [Number.NaN, 0],
      ["abc", 0],
      [undefined, 0],
      [{ valueOf: () => Number.NaN }, 0],
      ["250", 250],
      [60_000, 60_000],
      [60_001, null],
      [2 ** 31, null],
      [Number.POSITIVE_INFINITY, null],
    ];
    for (const [delay, expected] of cases) expect(timerDelay(delay)).toBe(expected);
  });

  test("setTimeout(r, 2 ** 31) never fires: the execution ends as timeout and the worker lives on", async () => {
    const report = await run('export default () => new Promise((r) => setTimeout(() => r("fired"), 2 ** 31));', 300);
    expect(report.status).toBe("timeout");
    await stillRuns();
  });

  test("odd delays run at once and a never-firing timer can be cleared", async () => {
    const report = await run(`export default async () => {
  const ran = [];
  for (const delay of [-5, Number.NaN, "x", { valueOf() { return Number.NaN; } }]) {
    await new Promise((r) => setTimeout(() => { ran.push(String(delay)); r(); }, delay));
  }
  clearTimeout(setTimeout(() => {}, 2 ** 40));
  return ran.length;
};`);
    expect(report).toMatchObject({ status: "success", result: "4" });
  });

  test("an error thrown by a timer callback fails the execution with that error and its line", async () => {
    const report = await run(
      'export default () => new Promise((r) => {\n  setTimeout(() => {\n    throw new TypeError("late");\n  }, 1);\n});',
    );
    expect(report.status).toBe("failed");
    if (report.status === "failed") expect(report.error).toMatchObject({ name: "TypeError", message: "late" });
    expect(report.stack).toContain("workflow:3:");
    await stillRuns();
  });

  // An unhandled rejection is checked end to end (tests/e2e/workflows-limits.test.ts):
  // under `bun test` a worker's unhandled rejection ends it whatever its listeners do.
});

describe("errors", () => {
  test("a 5 MB message and a 3 MB name are cut, each ending …truncated", async () => {
    const message = await run('export default () => { throw new Error("m".repeat(5_000_000)); };');
    const name = await run(
      'export default () => { const e = new TypeError("x"); Object.defineProperty(e, "name", { value: "N".repeat(3_000_000) }); throw e; };',
    );
    for (const report of [message, name]) {
      expect(report.status).toBe("failed");
      if (report.status !== "failed") continue;
      const error = executionError(report.error);
      expect(JSON.stringify(error).length).toBeLessThan(40 * 1024);
      expect(error.name.length + error.message.length).toBeLessThan(20 * 1024);
    }
    if (message.status === "failed") expect(message.error.message.endsWith("…truncated")).toBe(true);
    if (name.status === "failed") expect(name.error.name.endsWith("…truncated")).toBe(true);
  });

  test("a stack that is a long run of spaces is read at once", async () => {
    const stack = `Error: x\n    at ${" ".repeat(30_000)}x workflow:1:1\n${"    at f (workflow:2:3)\n".repeat(10_000)}`;
    const started = performance.now();
    const frames = parseFrames(stack + " ".repeat(5_000_000));
    expect(performance.now() - started).toBeLessThan(500);
    expect(frames).toHaveLength(50);
    expect(frames[0]).toEqual({ fn: "f", line: 2, column: 3 });

    const report = await run(
      'export default () => { const e = new Error("x"); Object.defineProperty(e, "stack", { value: "    at " + " ".repeat(30000) + "x workflow:1:1" }); throw e; };',
    );
    expect(report).toMatchObject({ status: "failed", stack: "Error: x" });
  });

  test("the host cuts what a guest reports, whatever it sends", () => {
    const frames = Array.from({ length: 500 }, () => ({ fn: "f".repeat(10_000), line: 1, column: 1 }));
    const error = executionError({ name: "N".repeat(100_000), message: "m".repeat(100_000), frames });
    expect(error.stack.split("\n")).toHaveLength(51);
    expect(error.stack.length).toBeLessThan(60 * 1024);
  });
});

describe("stacks inside the sandbox", () => {
  test("show the workflow's frames only, by the lines of the source as written", async () => {
    const report = await run(`// line 1
function inner() {
  return new Error("mine");
}

export default () => {
  const e = inner();
  return e.stack;
};`);
    expect(report.status).toBe("success");
    if (report.status !== "success") return;
    const stack = JSON.parse(report.result as string) as string;
    expect(stack.split("\n")).toEqual(["Error: mine", "    at inner (workflow:3:10)", expect.stringMatching(/^ {4}at .*\(workflow:7:\d+\)$/)]);
    expect(stack).not.toContain("/");
    expect(stack).not.toContain(".ts");
  });

  test("an engine error thrown and caught inside reads no host path either", async () => {
    const report = await run("export default () => { try { null.x; } catch (e) { return e.stack; } };");
    expect(report.status).toBe("success");
    if (report.status === "success") expect(report.result).not.toMatch(/\/|worker|\.ts/);
  });

  test("Error.prepareStackTrace set by one execution is not seen by the next", async () => {
    const first = await run(`export default () => {
  Error.prepareStackTrace = () => "hijacked";
  return [typeof Error.prepareStackTrace, new Error("a").stack];
};`);
    expect(first.status).toBe("success");
    if (first.status === "success") expect(first.result).not.toContain("hijacked");
    const second = await run('export default () => { throw new Error("victim"); };');
    expect(second.stack).not.toContain("hijacked");
    expect(second.stack).toStartWith("Error: victim\n    at ");
  });
});

// Workflow code past a limit, end to end: the execution record stays
// bounded, the execution ends with a clear status, and the server and the
// next execution carry on. One worker, so each execution follows the last
// in the same worker. Regressions from a tester's reports: 300,000 empty
// console lines made an 18 MB record; setTimeout(r, 2 ** 31) killed the
// worker; a 5 MB error message was stored whole; `e.stack` inside the
// sandbox showed Herald's own file paths.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { type HeraldProcess, startHerald } from "./harness";

let herald: HeraldProcess;

beforeAll(async () => {
  herald = await startHerald({ env: { HERALD_WORKFLOW_CONCURRENCY: "1" } });
});
afterAll(async () => {
  await herald?.stop();
});

async function testRun(source: string, timeoutMs = 3000) {
  const made = await herald.api("POST", "/v1/workflows", { name: "limits", source, timeoutMs });
  expect(made.status).toBe(201);
  const answer = await herald.api("POST", `/v1/workflows/${made.body.id}/test`, { event: { type: "app.x", roomId: "r", data: {} } });
  expect(answer.status).toBe(200);

  return answer.body;
}

async function nextStillRuns(): Promise<void> {
  expect((await herald.api("GET", "/healthz")).status).toBe(200);
  expect(await testRun("export default () => 42;")).toMatchObject({ status: "success", result: 42 });
}

test("300,000 empty console lines keep a log of at most 64 KiB and one …truncated line", async () => {
  const execution = await testRun("export default () => { for (let i = 0; i < 300000; i++) console.log(); return 1; };");
  expect(execution.status).toBe("success");
  expect(JSON.stringify(execution.logs).length).toBeLessThan(64 * 1024 + 200);
  expect(execution.logs.filter((line: { message: string }) => line.message === "…truncated")).toHaveLength(1);
  expect(execution.logs.at(-1).message).toBe("…truncated");
  // Read back, the stored record is as small.
  const stored = await herald.api("GET", `/v1/executions/${execution.id}`);
  expect(JSON.stringify(stored.body).length).toBeLessThan(70 * 1024);
});

test("setTimeout(r, 2 ** 31) never fires: the execution ends as timeout and the next one runs", async () => {
  const execution = await testRun('export default () => new Promise((r) => setTimeout(() => r("fired"), 2 ** 31));', 500);
  expect(execution).toMatchObject({ status: "timeout", result: null });
  await nextStillRuns();
});

test("a promise rejected with no handler fails its execution with that error; the next one runs", async () => {
  const execution = await testRun(
    'export default () => {\n  Promise.reject(new RangeError("nobody listens"));\n  return new Promise((r) => setTimeout(r, 50));\n};',
  );
  expect(execution.status).toBe("failed");
  expect(execution.error).toMatchObject({ name: "RangeError", message: "nobody listens" });
  expect(execution.error.stack).toContain("workflow:2:");
  await nextStillRuns();
});

test("a 5 MB error message and a 3 MB error name are stored cut, ending …truncated", async () => {
  const message = await testRun('export default () => { throw new Error("m".repeat(5_000_000)); };');
  expect(message.status).toBe("failed");
  expect(message.error.message.endsWith("…truncated")).toBe(true);
  expect(JSON.stringify(message.error).length).toBeLessThan(40 * 1024);

  const name = await testRun(
    'export default () => { const e = new Error("x"); Object.defineProperty(e, "name", { value: "N".repeat(3_000_000) }); throw e; };',
  );
  expect(name.status).toBe("failed");
  expect(name.error.name.endsWith("…truncated")).toBe(true);
  expect(JSON.stringify(name.error).length).toBeLessThan(8 * 1024);
});

test("a thrown error whose stack is a long run of spaces is reported at once", async () => {
  const execution = await testRun(
    'export default () => { const e = new Error("x"); Object.defineProperty(e, "stack", { value: "    at " + " ".repeat(300000) + "x workflow:1:1" }); throw e; };',
  );
  expect(execution.status).toBe("failed");
  expect(execution.durationMs).toBeLessThan(1000);
  expect(execution.error.stack).toBe("Error: x");
});

test("stacks read inside the sandbox name no file of the server's, only workflow lines", async () => {
  const execution = await testRun(`export default () => {
  const stacks = [new Error("mine").stack];
  try {
    null.x;
  } catch (e) {
    stacks.push(e.stack);
  }
  return stacks;
};`);
  expect(execution.status).toBe("success");
  const [mine, engine] = execution.result as string[];
  expect(mine).toMatch(/^Error: mine\n {4}at .*\(workflow:2:\d+\)$/);
  expect(engine).toMatch(/^TypeError: .*\n {4}at .*workflow:4:\d+\)?$/);
  for (const stack of [mine, engine]) expect(stack).not.toMatch(/\/|\.ts\b|worker/);
});

// Workflows end to end: the real server, the API, events published over
// HTTP, executions read back over HTTP. One server for the file; each
// test makes its own room and workflows.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type HeraldProcess, startHerald, waitFor } from "./harness";

let herald: HeraldProcess;
let rooms = 0;

beforeAll(async () => {
  herald = await startHerald({ env: { HERALD_WORKFLOW_CONCURRENCY: "2" } });
});
afterAll(async () => {
  await herald?.stop();
});

async function newRoom(): Promise<string> {
  const id = `wf-room-${++rooms}`;
  const made = await herald.api("POST", "/v1/rooms", { id, name: `Room ${rooms}` });
  expect(made.status).toBe(201);

  return id;
}

async function newWorkflow(body: Record<string, unknown>) {
  const made = await herald.api("POST", "/v1/workflows", { name: "wf", ...body });
  expect(made.status).toBe(201);

  return made.body;
}

const testRun = (id: string, roomId: string, data: Record<string, unknown> = {}) =>
  herald.api("POST", `/v1/workflows/${id}/test`, { event: { type: "app.test", roomId, data } });

describe("saving", () => {
  test("a workflow is created, read with its version and secret names, and listed", async () => {
    const flow = await newWorkflow({
      source: "export default () => 1;",
      events: ["app.x", "user.created"],
      secrets: { API_TOKEN: "t0k3n" },
      allowedHosts: ["API.Example.com", "::1"],
      permissions: ["store:write"],
    });
    expect(flow).toMatchObject({
      version: 1,
      enabled: true,
      timeoutMs: 10000,
      secrets: ["API_TOKEN"],
      allowedHosts: ["api.example.com", "::1"],
      permissions: ["store:write"],
      roomId: null,
    });
    const read = await herald.api("GET", `/v1/workflows/${flow.id}`);
    expect(read.body).toEqual(flow);
    expect(JSON.stringify(read.body)).not.toContain("t0k3n");
    const list = await herald.api("GET", "/v1/workflows?limit=100");
    expect(list.body.data.map((w: { id: string }) => w.id)).toContain(flow.id);
  });

  test("a source with a syntax error is refused with its line and column", async () => {
    const answer = await herald.api("POST", "/v1/workflows", {
      name: "broken",
      source: "export default function () {\n  return 1 +;\n}\n",
    });
    expect(answer.status).toBe(422);
    expect(answer.body.error.code).toBe("validation_failed");
    expect(answer.body.error.details[0]).toMatchObject({ field: "source", line: 2, column: 13 });
  });

  test("unknown event types, hosts with a scheme and out-of-range timeouts are refused", async () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      ["unknown built-in type", { events: ["user.exploded"] }],
      ["host with scheme", { allowedHosts: ["https://example.com"] }],
      ["host with port", { allowedHosts: ["example.com:8080"] }],
      ["timeout too short", { timeoutMs: 50 }],
      ["timeout too long", { timeoutMs: 60001 }],
      ["unknown permission", { permissions: ["files:write"] }],
      ["secret too long", { secrets: { BIG: "x".repeat(5000) } }],
    ];
    for (const [label, extra] of cases) {
      const answer = await herald.api("POST", "/v1/workflows", { name: label, source: "export default () => 1;", ...extra });
      expect([label, answer.status]).toEqual([label, 422]);
    }
  });

  test("changing the source makes a new version; versions list newest first", async () => {
    const flow = await newWorkflow({ source: "export default () => 1;" });
    const same = await herald.api("PATCH", `/v1/workflows/${flow.id}`, { source: "export default () => 1;", name: "renamed" });
    expect(same.body).toMatchObject({ version: 1, name: "renamed" });
    const changed = await herald.api("PATCH", `/v1/workflows/${flow.id}`, { source: "export default () => 2;" });
    expect(changed.body.version).toBe(2);
    const versions = await herald.api("GET", `/v1/workflows/${flow.id}/versions`);
    expect(versions.body.data.map((v: { version: number; source: string }) => [v.version, v.source])).toEqual([
      [2, "export default () => 2;"],
      [1, "export default () => 1;"],
    ]);
    const bad = await herald.api("PATCH", `/v1/workflows/${flow.id}`, { source: "export default (" });
    expect(bad.status).toBe(422);
  });
});

describe("running", () => {
  test("a workflow reads store, room and files, logs, and returns a result", async () => {
    const roomId = await newRoom();
    expect((await herald.api("PUT", `/v1/rooms/${roomId}/stores/settings/keys/greeting`, { value: { text: "hello" } })).status).toBe(200);
    const put = await herald.api("PUT", `/v1/rooms/${roomId}/files/notes/a.txt`, "some text", { "content-type": "text/plain" });
    expect(put.status).toBeLessThan(300);
    const flow = await newWorkflow({
      source: `export default async function (event, { store, room, files, env }) {
  const greeting = await store.get("settings", "greeting");
  const all = await store.getAll("settings");
  const info = await room.get();
  const people = await room.getUsers();
  const list = await files.list("notes/");
  console.log("greeting is", greeting.text, { n: event.data.n });
  return { greeting: greeting.text, keys: Object.keys(all), room: info.name, people: people.length, files: list.map((f) => [f.name, f.size]), token: env.TOKEN, missing: await store.get("settings", "nope") };
}`,
      secrets: { TOKEN: "abc" },
    });
    const answer = await testRun(flow.id, roomId, { n: 7 });
    expect(answer.status).toBe(200);
    const execution = answer.body;
    expect(execution).toMatchObject({ status: "success", test: true, workflowVersion: 1, roomId, eventType: "app.test", error: null });
    expect(execution.result).toEqual({
      greeting: "hello",
      keys: ["greeting"],
      room: `Room ${rooms}`,
      people: 0,
      files: [["notes/a.txt", 9]],
      token: "abc",
    });
    expect(execution.logs).toEqual([{ level: "log", message: 'greeting is hello {"n":7}', at: expect.any(String) }]);
    expect(execution.durationMs).toBeGreaterThanOrEqual(0);
    const again = await herald.api("GET", `/v1/executions/${execution.id}`);
    expect(again.body).toEqual(execution);
  });

  test("store.set and store.delete exist only with store:write", async () => {
    const roomId = await newRoom();
    const source = `export default async (e, { store }) => {
  if (typeof store.set !== "function") return "read-only";
  await store.set("counters", "runs", { n: 1 });
  await store.delete("counters", "never-there");
  return await store.get("counters", "runs");
};`;
    const readOnly = await newWorkflow({ source });
    expect((await testRun(readOnly.id, roomId)).body.result).toBe("read-only");
    const writer = await newWorkflow({ source, permissions: ["store:write"] });
    expect((await testRun(writer.id, roomId)).body.result).toEqual({ n: 1 });
    const stored = await herald.api("GET", `/v1/rooms/${roomId}/stores/counters/keys/runs`);
    expect(stored.body.value).toEqual({ n: 1 });
  });

  test("a test run on a room that does not exist sees room.get() as null", async () => {
    const flow = await newWorkflow({ source: "export default async (e, { room }) => [await room.get(), await room.getUsers()];" });
    const answer = await testRun(flow.id, "no-such-room");
    expect(answer.body).toMatchObject({ status: "success", result: [null, []] });
  });

  test("TypeScript source runs with its types stripped", async () => {
    const flow = await newWorkflow({
      source: `interface Payload { n: number }
export default async function (event: { data: Payload }): Promise<number> {
  const doubled: number = (event.data.n as number) * 2;
  return doubled;
}`,
    });
    const answer = await testRun(flow.id, "ts-room", { n: 21 });
    expect(answer.body).toMatchObject({ status: "success", result: 42 });
  });

  test("a thrown error gives frames in the source as written", async () => {
    const flow = await newWorkflow({
      source: [
        "// line 1: a comment the compiler drops",
        "type Unused = string;",
        "",
        "function check(n: number) {",
        "  if (n > 1) throw new RangeError(`too big: ${n}`);",
        "}",
        "",
        "export default async function handler(event) {",
        "  check(event.data.n);",
        "}",
      ].join("\n"),
    });
    const answer = await testRun(flow.id, "err-room", { n: 5 });
    expect(answer.body.status).toBe("failed");
    const error = answer.body.error;
    expect(error).toMatchObject({ name: "RangeError", message: "too big: 5" });
    const lines = error.stack.split("\n");
    expect(lines[0]).toBe("RangeError: too big: 5");
    expect(lines[1]).toMatch(/^ {4}at check \(workflow:5:\d+\)$/);
    expect(lines[2]).toMatch(/^ {4}at handler \(workflow:9:\d+\)$/);
    expect(lines.slice(1).every((line: string) => /workflow:\d+:\d+/.test(line))).toBe(true);
  });

  test("process, Bun and require are undefined inside", async () => {
    const flow = await newWorkflow({
      source: "export default () => [typeof process, typeof Bun, typeof require, typeof globalThis.process];",
    });
    const answer = await testRun(flow.id, "globals-room");
    expect(answer.body.result).toEqual(["undefined", "undefined", "undefined", "undefined"]);
  });

  test("a global set by one execution is not visible to the next", async () => {
    const flow = await newWorkflow({
      source: `export default () => {
  const before = typeof globalThis.marker;
  let wrote = "no";
  try { globalThis.marker = 1; wrote = "yes"; } catch {}
  try { Object.prototype.polluted = true; } catch {}
  return [before, wrote, ({}).polluted === undefined];
};`,
    });
    const first = await testRun(flow.id, "iso-room");
    const second = await testRun(flow.id, "iso-room");
    expect(first.body.result).toEqual(["undefined", "no", true]);
    expect(second.body.result).toEqual(["undefined", "no", true]);
  });

  test("while (true) {} ends as timeout and the next execution still works", async () => {
    const stuck = await newWorkflow({ source: "export default () => { while (true) {} };", timeoutMs: 300 });
    const started = Date.now();
    const answer = await testRun(stuck.id, "loop-room");
    expect(answer.body).toMatchObject({ status: "timeout", error: { name: "TimeoutError" } });
    expect(Date.now() - started).toBeLessThan(5000);
    const fine = await newWorkflow({ source: "export default () => 'still here';" });
    for (let i = 0; i < 3; i++) {
      expect((await testRun(fine.id, "loop-room")).body).toMatchObject({ status: "success", result: "still here" });
    }
  });
});

describe("events", () => {
  test("an enabled workflow runs on a matching event, and not on others", async () => {
    const roomId = await newRoom();
    const flow = await newWorkflow({ source: "export default (event) => event.data.n * 2;", events: ["app.x"], roomId });
    const published = await herald.api("POST", "/v1/events", { type: "app.x", roomId, data: { n: 4 } });
    expect(published.status).toBe(201);
    await herald.api("POST", "/v1/events", { type: "app.other", roomId, data: { n: 5 } });
    const done = await waitFor(async () => {
      const list = await herald.api("GET", `/v1/workflows/${flow.id}/executions?status=success`);
      return list.body.data.length === 1 ? list.body.data[0] : null;
    }, { what: "the execution to succeed" });
    expect(done).toMatchObject({ eventId: published.body.id, eventType: "app.x", result: 8, test: false, workflowVersion: 1 });
    const all = await herald.api("GET", `/v1/workflows/${flow.id}/executions`);
    expect(all.body.data).toHaveLength(1);
  });

  test("a disabled workflow records no execution for events while disabled", async () => {
    const roomId = await newRoom();
    const flow = await newWorkflow({ source: "export default () => 1;", events: ["app.x"], roomId });
    expect((await herald.api("POST", `/v1/workflows/${flow.id}/disable`)).body.enabled).toBe(false);
    await herald.api("POST", "/v1/events", { type: "app.x", roomId, data: {} });
    // A second, enabled workflow on the same event shows the event was
    // fanned out, so waiting for it is a real condition.
    const witness = await newWorkflow({ source: "export default () => 1;", events: ["app.x"], roomId });
    await herald.api("POST", "/v1/events", { type: "app.x", roomId, data: {} });
    await waitFor(async () => {
      const list = await herald.api("GET", `/v1/workflows/${witness.id}/executions?status=success`);
      return list.body.data.length === 1;
    }, { what: "the witness workflow to run" });
    const none = await herald.api("GET", `/v1/workflows/${flow.id}/executions`);
    expect(none.body.data).toEqual([]);

    await herald.api("POST", `/v1/workflows/${flow.id}/enable`);
    await herald.api("POST", "/v1/events", { type: "app.x", roomId, data: {} });
    await waitFor(async () => {
      const list = await herald.api("GET", `/v1/workflows/${flow.id}/executions?status=success`);
      return list.body.data.length === 1;
    }, { what: "the re-enabled workflow to run" });
  });

  test("an execution runs the version current when its event was stored", async () => {
    const roomId = await newRoom();
    const flow = await newWorkflow({ source: "export default () => 'v1';", events: ["app.v"], roomId });
    await herald.api("POST", "/v1/events", { type: "app.v", roomId, data: {} });
    const first = await waitFor(async () => {
      const list = await herald.api("GET", `/v1/workflows/${flow.id}/executions?status=success`);
      return list.body.data[0];
    });
    expect(first).toMatchObject({ workflowVersion: 1, result: "v1" });
    await herald.api("PATCH", `/v1/workflows/${flow.id}`, { source: "export default () => 'v2';" });
    await herald.api("POST", "/v1/events", { type: "app.v", roomId, data: {} });
    const second = await waitFor(async () => {
      const list = await herald.api("GET", `/v1/workflows/${flow.id}/executions?status=success`);
      return list.body.data.length === 2 ? list.body.data[0] : null;
    });
    expect(second).toMatchObject({ workflowVersion: 2, result: "v2" });
  });

  test("deleting a workflow removes it; its executions go with it", async () => {
    const flow = await newWorkflow({ source: "export default () => 1;" });
    const run = await testRun(flow.id, "del-room");
    expect((await herald.api("DELETE", `/v1/workflows/${flow.id}`)).status).toBe(204);
    expect((await herald.api("GET", `/v1/workflows/${flow.id}`)).status).toBe(404);
    expect((await herald.api("GET", `/v1/executions/${run.body.id}`)).status).toBe(404);
    expect((await herald.api("GET", `/v1/workflows/${flow.id}/executions`)).status).toBe(404);
  });
});

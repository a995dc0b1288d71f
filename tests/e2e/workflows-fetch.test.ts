// fetch() from workflows end to end: a real receiver on loopback (the
// harness allows 127.0.0.0/8 as a private target), the allow-list, the
// redirect limit and the fetch log on the execution.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { type HeraldProcess, type Receiver, startHerald, startReceiver } from "./harness";

let herald: HeraldProcess;
let receiver: Receiver;

beforeAll(async () => {
  herald = await startHerald({ env: { HERALD_WORKFLOW_CONCURRENCY: "1" } });
  receiver = startReceiver((request) => {
    if (request.path === "/json") return Response.json({ ok: true, got: request.body }, { headers: { "x-reply": "1" } });
    if (request.path === "/loop") return new Response(null, { status: 302, headers: { location: "/loop" } });
    if (request.path === "/hop") return new Response(null, { status: 302, headers: { location: "/json" } });
    if (request.path === "/away") return new Response(null, { status: 302, headers: { location: "http://localhost.invalid/x" } });
    return new Response("plain");
  });
});
afterAll(async () => {
  receiver?.stop();
  await herald?.stop();
});

async function run(source: string, allowedHosts: string[] = ["127.0.0.1"]) {
  const made = await herald.api("POST", "/v1/workflows", { name: "fetcher", source, allowedHosts, secrets: { BASE: receiver.url } });
  expect(made.status).toBe(201);
  const answer = await herald.api("POST", `/v1/workflows/${made.body.id}/test`, { event: { type: "app.f", roomId: "r", data: {} } });
  expect(answer.status).toBe(200);

  return answer.body;
}

test("fetch reaches an allowed host and the answer is a usable Response", async () => {
  const execution = await run(`export default async (e, { env }) => {
  const res = await fetch(env.BASE + "/json", { method: "POST", body: JSON.stringify({ a: 1 }), headers: { "content-type": "application/json" } });
  return { status: res.status, ok: res.ok, header: res.headers.get("x-reply"), body: await res.json(), isHostResponse: Object.isFrozen(Object.getPrototypeOf(res)) };
};`);
  expect(execution.status).toBe("success");
  expect(execution.result).toEqual({ status: 200, ok: true, header: "1", body: { ok: true, got: '{"a":1}' }, isHostResponse: true });
  expect(execution.fetches).toEqual([{ method: "POST", url: `${receiver.url}/json`, status: 200, durationMs: expect.any(Number) }]);
});

test("a host not in allowedHosts is refused with a TypeError and nothing is sent", async () => {
  const before = receiver.requests.length;
  const execution = await run(`export default async (e, { env }) => {
  try { await fetch(env.BASE.replace("127.0.0.1", "localhost") + "/json"); return "sent"; }
  catch (error) { return [error.name, error instanceof TypeError]; }
};`);
  expect(execution.result).toEqual(["TypeError", true]);
  expect(receiver.requests.length).toBe(before);
  expect(execution.fetches[0]).toMatchObject({ status: 0, error: expect.stringContaining("allowedHosts") });
});

test("redirects are followed, each hop checked, at most five", async () => {
  const execution = await run(`export default async (e, { env }) => {
  const hop = await fetch(env.BASE + "/hop");
  let loop, away;
  try { await fetch(env.BASE + "/loop"); loop = "followed"; } catch (error) { loop = error.name; }
  try { await fetch(env.BASE + "/away"); away = "followed"; } catch (error) { away = error.name; }
  return [hop.status, hop.redirected, hop.url.endsWith("/json"), loop, away];
};`);
  expect(execution.result).toEqual([200, true, true, "TypeError", "TypeError"]);
});

test("at most 50 fetch calls an execution", async () => {
  const execution = await run(`export default async (e, { env }) => {
  let sent = 0, refused = 0;
  for (let i = 0; i < 55; i++) {
    try { await fetch(env.BASE + "/plain"); sent++; } catch { refused++; }
  }
  return [sent, refused];
};`);
  expect(execution.result).toEqual([50, 5]);
  expect(execution.fetches).toHaveLength(50);
});

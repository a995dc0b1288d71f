// The address guard end to end: a Herald started without
// HERALD_ALLOW_PRIVATE_TARGETS must not reach a receiver on loopback,
// link-local or unspecified addresses, however the address is written,
// and must not retry; nor may a workflow's fetch, whatever its allowedHosts.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { type HeraldProcess, type Receiver, startHerald, startReceiver, waitFor } from "./harness";

let herald: HeraldProcess;
let receiver: Receiver;
let port: number;

beforeAll(async () => {
  // An empty value overrides the harness's loopback allowance: public targets only.
  herald = await startHerald({ env: { HERALD_ALLOW_PRIVATE_TARGETS: "", HERALD_RETRY_SCHEDULE: "100ms,200ms" } });
  expect((await herald.api("POST", "/v1/rooms", { id: "guarded" })).status).toBe(201);
  receiver = startReceiver();
  port = Number(new URL(receiver.url).port);
});
afterAll(async () => {
  receiver.stop();
  await herald.stop();
});

const targets: Array<[string, () => string]> = [
  ["loopback, dotted", () => `http://127.0.0.1:${port}/hook`],
  ["loopback, short form", () => `http://127.1:${port}/hook`],
  ["loopback, octal", () => `http://0177.0.0.1:${port}/hook`],
  ["loopback, hex and short", () => `http://0x7f.1:${port}/hook`],
  ["loopback, with a trailing dot", () => `http://127.0.0.1.:${port}/hook`],
  ["loopback, one hex number", () => `http://0x7f000001:${port}/hook`],
  ["loopback, one decimal number", () => `http://2130706433:${port}/hook`],
  ["loopback over https", () => `https://127.0.0.1:${port}/hook`],
  ["IPv6 loopback", () => `http://[::1]:${port}/hook`],
  ["IPv6 loopback, written out", () => `http://[0:0:0:0:0:0:0:1]:${port}/hook`],
  ["IPv4-mapped IPv6 loopback", () => `http://[::ffff:127.0.0.1]:${port}/hook`],
  ["IPv4-mapped IPv6 loopback, in hex", () => `http://[::ffff:7f00:1]:${port}/hook`],
  ["IPv4-mapped IPv6 loopback, written out", () => `http://[0:0:0:0:0:ffff:127.0.0.1]:${port}/hook`],
  ["IPv4-compatible IPv6 loopback", () => `http://[::127.0.0.1]:${port}/hook`],
  ["NAT64 loopback", () => `http://[64:ff9b::127.0.0.1]:${port}/hook`],
  ["6to4 loopback", () => `http://[2002:7f00:1::]:${port}/hook`],
  ["IPv6 link-local", () => `http://[fe80::1]:${port}/hook`],
  ["cloud metadata", () => `http://169.254.169.254:${port}/hook`],
  ["cloud metadata, IPv4-mapped", () => `http://[::ffff:a9fe:a9fe]:${port}/hook`],
  ["a name that resolves to loopback", () => `http://localhost:${port}/hook`],
  ["a name that resolves to loopback, in capitals", () => `http://LOCALHOST:${port}/hook`],
  ["the unspecified address", () => `http://0.0.0.0:${port}/hook`],
  ["the unspecified address, a bare zero", () => `http://0:${port}/hook`],
  ["the unspecified IPv6 address", () => `http://[::]:${port}/hook`],
];

for (const [label, url] of targets) {
  test(`${label} is blocked_address, never contacted and not retried`, async () => {
    const created = await herald.api("POST", "/v1/webhooks", { url: url(), roomId: "guarded" });
    expect(created.status).toBe(201);
    const event = await herald.api("POST", "/v1/events", { type: "app.x", roomId: "guarded", data: {} });
    expect(event.status).toBe(201);

    const failed = await waitFor(async () => {
      const [listed] = (await herald.api("GET", `/v1/webhooks/${created.body.id}/deliveries`)).body.data;
      return listed?.status === "failed" ? listed : null;
    });
    expect(failed).toMatchObject({ attemptCount: 1, lastStatusCode: 0, lastError: "blocked_address", nextAttemptAt: null });
    const detail = (await herald.api("GET", `/v1/deliveries/${failed.id}`)).body;
    expect(detail.attempts).toMatchObject([{ statusCode: 0, error: "blocked_address" }]);
    expect(receiver.requests).toHaveLength(0);
    // A blocked target says nothing about the endpoint's health: it stays enabled.
    expect((await herald.api("GET", `/v1/webhooks/${created.body.id}`)).body.enabled).toBe(true);
    await herald.api("DELETE", `/v1/webhooks/${created.body.id}`);
  });
}

test("host spellings a URL parser would rewrite or refuse are a 422, so the guard never has to guess", async () => {
  for (const url of [
    `http://%6c%6fcalhost:${port}/hook`,
    `http://127.0.0.1%2e:${port}/hook`,
    `http://localhost%00.example.com:${port}/hook`,
    `http://[::ffff:127.0.0.1%25lo]:${port}/hook`,
    `http://xn--localhost-:${port}/hook`,
  ]) {
    const created = await herald.api("POST", "/v1/webhooks", { url, roomId: "guarded" });
    expect(`${url} ${created.status} ${created.body.error?.details?.[0]?.field}`).toBe(`${url} 422 url`);
  }
});

test("a workflow's fetch is refused every loopback spelling too, even to hosts in its allowedHosts", async () => {
  const urls = targets.map(([, url]) => url());
  const made = await herald.api("POST", "/v1/workflows", {
    name: "guarded-fetch",
    // Hosts the allow-list takes; the other spellings fail its check or the guard's.
    allowedHosts: ["localhost", "127.0.0.1"],
    source: `export default async function () {
      const outcomes = [];
      for (const url of ${JSON.stringify(urls)}) {
        try { await fetch(url); outcomes.push("sent " + url); } catch (error) { outcomes.push(error.name); }
      }
      return outcomes;
    }`,
  });
  expect(made.status).toBe(201);
  const run = await herald.api("POST", `/v1/workflows/${made.body.id}/test`, {
    event: { type: "app.x", roomId: "guarded", data: {} },
  });
  expect(run.body.status).toBe("success");
  expect(run.body.result).toEqual(urls.map(() => "TypeError"));
  expect(receiver.requests).toHaveLength(0);
});

// The address guard end to end: a Herald started without
// HERALD_ALLOW_PRIVATE_TARGETS must not reach a receiver on loopback,
// however the address is written, and must not retry.

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
  ["loopback, one hex number", () => `http://0x7f000001:${port}/hook`],
  ["loopback, one decimal number", () => `http://2130706433:${port}/hook`],
  ["IPv4-mapped IPv6 loopback", () => `http://[::ffff:127.0.0.1]:${port}/hook`],
  ["a name that resolves to loopback", () => `http://localhost:${port}/hook`],
  ["the unspecified address, a bare zero", () => `http://0:${port}/hook`],
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

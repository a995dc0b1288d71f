// A webhook's life past the happy path: disabled after failing for
// HERALD_DISABLE_AFTER, secrets encrypted at rest with HERALD_SECRET_KEY,
// and an attempt cut off by a crash sent again after the restart.

import { expect, test } from "bun:test";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { startHerald, startReceiver, waitFor } from "./harness";

test("a webhook failing for HERALD_DISABLE_AFTER is disabled as failing, and its waiting deliveries end failed", async () => {
  await using herald = await startHerald({
    env: { HERALD_DISABLE_AFTER: "300ms", HERALD_RETRY_SCHEDULE: "100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms" },
  });
  using receiver = startReceiver(() => new Response("broken", { status: 500 }));
  await herald.api("POST", "/v1/rooms", { id: "failing" });
  const hook = (await herald.api("POST", "/v1/webhooks", { url: receiver.url, roomId: "failing" })).body;
  await herald.api("POST", "/v1/events", { type: "app.one", roomId: "failing", data: {} });
  await herald.api("POST", "/v1/events", { type: "app.two", roomId: "failing", data: {} });

  const disabled = await waitFor(async () => {
    const read = (await herald.api("GET", `/v1/webhooks/${hook.id}`)).body;
    return read.enabled === false ? read : null;
  });
  expect(disabled.disabledReason).toBe("failing");
  const deliveries = await waitFor(async () => {
    const all = (await herald.api("GET", `/v1/webhooks/${hook.id}/deliveries`)).body.data as any[];
    return all.every((d) => d.status === "failed") ? all : null;
  });
  expect(deliveries).toHaveLength(2);
  expect(deliveries.every((d) => d.nextAttemptAt === null)).toBe(true);
  // Far fewer attempts than the schedule allows: the webhook stopped them.
  expect(deliveries.every((d) => d.attemptCount < 9)).toBe(true);

  const enabled = await herald.api("PATCH", `/v1/webhooks/${hook.id}`, { enabled: true });
  expect(enabled.body).toMatchObject({ enabled: true, disabledReason: null });
});

test("with HERALD_SECRET_KEY the secret is not in the database files, and requests still verify", async () => {
  await using herald = await startHerald({ env: { HERALD_SECRET_KEY: "correct-horse-battery-staple-42" } });
  using receiver = startReceiver();
  await herald.api("POST", "/v1/rooms", { id: "sealed" });
  const hook = (await herald.api("POST", "/v1/webhooks", { url: receiver.url, roomId: "sealed" })).body;
  const rotated = (await herald.api("POST", `/v1/webhooks/${hook.id}/rotate-secret`, {})).body;
  expect((await herald.api("GET", `/v1/webhooks/${hook.id}/secret`)).body.secret).toBe(rotated.secret);

  await herald.api("POST", "/v1/events", { type: "app.x", roomId: "sealed", data: {} });
  await waitFor(() => receiver.requests.length === 1);
  for (const secret of [hook.secret, rotated.secret]) {
    new Webhook(secret).verify(receiver.requests[0].body, receiver.requests[0].headers);
  }

  const files = readdirSync(herald.dataDir).filter((name) => name.startsWith("herald.db"));
  const stored = files.map((name) => readFileSync(join(herald.dataDir, name)).toString("latin1")).join("");
  expect(stored).toContain(hook.id);
  for (const secret of [hook.secret, rotated.secret]) {
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(secret.slice("whsec_".length));
  }
});

test("an attempt cut off by a crash is sent again after the restart, with the same webhook-id", async () => {
  let hang = true;
  using receiver = startReceiver(() => (hang ? new Promise<Response>(() => {}) : new Response("ok")));
  const first = await startHerald({ keepData: true });
  const dataDir = first.dataDir;
  await first.api("POST", "/v1/rooms", { id: "crash" });
  const hook = (await first.api("POST", "/v1/webhooks", { url: receiver.url, roomId: "crash" })).body;
  const event = (await first.api("POST", "/v1/events", { type: "app.x", roomId: "crash", data: {} })).body;
  await waitFor(() => receiver.requests.length === 1);
  await first.kill();

  hang = false;
  const second = await startHerald({ dataDir });
  try {
    await waitFor(() => receiver.requests.length === 2);
    expect(receiver.requests.map((r) => r.headers["webhook-id"])).toEqual([event.id, event.id]);
    new Webhook(hook.secret).verify(receiver.requests[1].body, receiver.requests[1].headers);
    await waitFor(async () => {
      const [listed] = (await second.api("GET", `/v1/webhooks/${hook.id}/deliveries`)).body.data;
      return listed?.status === "success";
    });
  } finally {
    await second.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

// The delivery engine under contention, with a small per-webhook cap
// (HERALD_WEBHOOK_CONCURRENCY=2): a dead endpoint holding its slots does
// not hold back anyone else, and manual retries never run two attempts of
// one delivery at once.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { type HeraldProcess, startHerald, startReceiver, waitFor } from "./harness";
import { webhookFixtures } from "./webhook-fixtures";

let herald: HeraldProcess;

beforeAll(async () => {
  herald = await startHerald({
    env: {
      HERALD_WEBHOOK_CONCURRENCY: "2",
      HERALD_RETRY_SCHEDULE: "200ms,200ms",
      HERALD_DELIVERY_TIMEOUT_MS: "2000",
    },
  });
});
afterAll(() => herald.stop());

const { newRoom, createHook, publish } = webhookFixtures(() => herald, "busy-room");

test("a dead endpoint at its concurrency cap does not delay another webhook's deliveries", async () => {
  let connected = 0;
  // Accepts connections and never answers: every attempt holds a slot until the timeout.
  using dead = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: { open: () => void connected++, data() {}, close() {}, error() {} },
  });
  const live = startReceiver();
  const deadRoom = await newRoom();
  const liveRoom = await newRoom();
  await createHook({ url: `http://127.0.0.1:${dead.port}/`, roomId: deadRoom });
  await createHook({ url: live.url, roomId: liveRoom });
  for (let i = 0; i < 30; i++) await publish(deadRoom);
  await waitFor(() => connected === 2, { what: "the dead endpoint to hold both its slots" });

  const sent = Date.now();
  for (let i = 0; i < 5; i++) await publish(liveRoom);
  await waitFor(() => live.requests.length === 5, { what: "the live webhook's deliveries" });
  expect(Math.max(...live.requests.map((r) => r.at)) - sent).toBeLessThan(1500);
  // Still two, never more: the cap held while the others went through.
  expect(connected).toBe(2);
  live.stop();
});

test("manual retries racing a scheduled attempt never overlap with it or each other", async () => {
  let inFlight = 0;
  let most = 0;
  const receiver = startReceiver(async () => {
    most = Math.max(most, ++inFlight);
    await Bun.sleep(300);
    inFlight--;
    return new Response("down", { status: 500 });
  });
  const roomId = await newRoom();
  const hook = await createHook({ url: receiver.url, roomId });
  await publish(roomId);
  await waitFor(() => receiver.requests.length === 1, { what: "the first attempt to start" });
  const [listed] = (await herald.api("GET", `/v1/webhooks/${hook.id}/deliveries`)).body.data;

  const answers = await Promise.all(
    Array.from({ length: 8 }, () => herald.api("POST", `/v1/deliveries/${listed.id}/retry`)),
  );
  expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
  // The eight retries while one attempt ran come to one manual attempt
  // after it; that counts as the second attempt, and the schedule's last
  // step gives the third, after which the delivery has failed.
  const done = await waitFor(async () => {
    const read = (await herald.api("GET", `/v1/deliveries/${listed.id}`)).body;
    return read.status === "failed" ? read : null;
  }, { what: "the delivery to fail" });
  expect(done.attempts.map((a: any) => a.trigger)).toEqual(["scheduled", "manual", "scheduled"]);
  expect(receiver.requests).toHaveLength(3);
  expect(most).toBe(1);
  const spans = done.attempts.map((a: any) => [Date.parse(a.startedAt), Date.parse(a.startedAt) + a.durationMs]);
  for (let i = 1; i < spans.length; i++) expect(spans[i][0]).toBeGreaterThanOrEqual(spans[i - 1][1] - 5);
  receiver.stop();
});

// The delivery log and what can be done with it: manual retries, replays,
// test events; and how the engine treats slow, chatty, rate-limited and
// unreachable receivers. Real server, real receivers on port 0.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Socket } from "bun";
import { Webhook } from "standardwebhooks";
import { type HeraldProcess, type ReceivedRequest, startHerald, startReceiver, waitFor } from "./harness";
import { webhookFixtures } from "./webhook-fixtures";

let herald: HeraldProcess;

beforeAll(async () => {
  herald = await startHerald({
    env: { HERALD_RETRY_SCHEDULE: "100ms,200ms", HERALD_DELIVERY_TIMEOUT_MS: "500" },
  });
});
afterAll(() => herald.stop());

const { newRoom, createHook, publish } = webhookFixtures(() => herald, "dlv-room");

const deliveriesOf = async (webhookId: string, query = "") =>
  (await herald.api("GET", `/v1/webhooks/${webhookId}/deliveries${query}`)).body.data as any[];

const delivery = async (id: string) => (await herald.api("GET", `/v1/deliveries/${id}`)).body;

/** Waits until the webhook's only (or newest) delivery is no longer pending. */
async function settled(webhookId: string) {
  return waitFor(async () => {
    const [newest] = await deliveriesOf(webhookId);
    return newest && newest.status !== "pending" ? newest : null;
  }, { what: `a finished delivery of ${webhookId}` });
}

/**
 * A bare TCP server on port 0 for receivers no HTTP server would be:
 * `answer` gets the socket once the request's first bytes arrive.
 */
type RawSocket = Socket<{ answered?: boolean; close?: () => void }>;

function rawServer(answer: (socket: RawSocket) => void) {
  const server = Bun.listen<{ answered?: boolean; close?: () => void }>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      data(socket) {
        if (socket.data?.answered) return;
        socket.data = { answered: true };
        answer(socket);
      },
      close(socket) {
        socket.data?.close?.();
      },
      error() {},
    },
  });

  return { url: `http://127.0.0.1:${server.port}/`, [Symbol.dispose]: () => server.stop(true) };
}

const verify = (secret: string, request: ReceivedRequest) =>
  new Webhook(secret).verify(request.body, request.headers) as Record<string, any>;

describe("manual retry", () => {
  test("a failed delivery retried by hand gets one more attempt, marked manual, and can succeed", async () => {
    const roomId = await newRoom();
    let failing = true;
    const receiver = startReceiver(() => new Response(failing ? "down" : "up", { status: failing ? 503 : 200 }));
    const hook = await createHook({ url: receiver.url, roomId });
    await publish(roomId);
    const failed = await settled(hook.id);
    expect(failed).toMatchObject({ status: "failed", attemptCount: 3, lastStatusCode: 503, lastError: "http_status" });

    failing = false;
    const retried = await herald.api("POST", `/v1/deliveries/${failed.id}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body.id).toBe(failed.id);
    const done = await waitFor(async () => {
      const read = await delivery(failed.id);
      return read.status === "success" ? read : null;
    });
    expect(done.attemptCount).toBe(4);
    expect(done.attempts.map((a: any) => a.trigger)).toEqual(["scheduled", "scheduled", "scheduled", "manual"]);
    expect(receiver.requests).toHaveLength(4);
    expect(new Set(receiver.requests.map((r) => r.headers["webhook-id"])).size).toBe(1);
    for (const request of receiver.requests) verify(hook.secret, request);
    receiver.stop();
  });

  test("a delivered one may be sent once more, and stays a success", async () => {
    const roomId = await newRoom();
    const receiver = startReceiver();
    const hook = await createHook({ url: receiver.url, roomId });
    await publish(roomId);
    const first = await settled(hook.id);
    expect((await herald.api("POST", `/v1/deliveries/${first.id}/retry`)).status).toBe(200);
    await waitFor(() => receiver.requests.length === 2);
    const read = await waitFor(async () => {
      const current = await delivery(first.id);
      return current.attemptCount === 2 ? current : null;
    });
    expect(read).toMatchObject({ status: "success", attemptCount: 2 });
    expect(read.attempts[1].trigger).toBe("manual");
    receiver.stop();
  });

  test("retrying a delivery of a disabled webhook is a 409, and of an unknown one a 404", async () => {
    const roomId = await newRoom();
    const receiver = startReceiver();
    const hook = await createHook({ url: receiver.url, roomId });
    await publish(roomId);
    const done = await settled(hook.id);
    await herald.api("PATCH", `/v1/webhooks/${hook.id}`, { enabled: false });
    const refused = await herald.api("POST", `/v1/deliveries/${done.id}/retry`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("conflict");
    expect((await herald.api("POST", "/v1/deliveries/dlv_missing/retry")).status).toBe(404);
    expect((await herald.api("GET", "/v1/deliveries/dlv_missing")).status).toBe(404);
    receiver.stop();
  });
});

describe("replay", () => {
  test("events stored before the webhook existed are sent when replayed, within [since, until)", async () => {
    const roomId = await newRoom();
    const before = new Date(Date.now() - 1000).toISOString();
    const published = [await publish(roomId, "app.a"), await publish(roomId, "app.b"), await publish(roomId, "app.a")];
    const receiver = startReceiver();
    const hook = await createHook({ url: receiver.url, roomId, events: ["app.a"] });

    const earlier = new Date(Date.parse(before) - 60_000).toISOString();
    const none = await herald.api("POST", `/v1/webhooks/${hook.id}/replay`, { since: earlier, until: before });
    expect(none.body).toEqual({ queued: 0 });
    const replayed = await herald.api("POST", `/v1/webhooks/${hook.id}/replay`, { since: before });
    expect(replayed.status).toBe(200);
    expect(replayed.body).toEqual({ queued: 2 });
    await waitFor(() => receiver.requests.length === 2);
    const ids = receiver.requests.map((r) => verify(hook.secret, r).id).sort();
    expect(ids).toEqual([published[0].id, published[2].id].sort());
    receiver.stop();
  });

  test("onlyFailed replays just the events whose last delivery to the webhook failed", async () => {
    const roomId = await newRoom();
    let healthy = false;
    const receiver = startReceiver((request) =>
      JSON.parse(request.body).type === "app.bad" && !healthy ? new Response("no", { status: 500 }) : new Response("ok"),
    );
    const since = new Date().toISOString();
    const hook = await createHook({ url: receiver.url, roomId });
    await publish(roomId, "app.good");
    const bad = await publish(roomId, "app.bad");
    await waitFor(async () => {
      const all = await deliveriesOf(hook.id);
      return all.length === 2 && all.every((d) => d.status !== "pending");
    });
    expect((await deliveriesOf(hook.id, "?status=failed")).map((d) => d.eventId)).toEqual([bad.id]);

    healthy = true;
    const replayed = await herald.api("POST", `/v1/webhooks/${hook.id}/replay`, { since, onlyFailed: true });
    expect(replayed.body).toEqual({ queued: 1 });
    await waitFor(async () => (await deliveriesOf(hook.id, "?status=success&eventType=app.bad")).length === 1);
    // Now the bad event's last delivery succeeded: nothing is left to replay.
    expect((await herald.api("POST", `/v1/webhooks/${hook.id}/replay`, { since, onlyFailed: true })).body).toEqual({ queued: 0 });
    receiver.stop();
  });

  test("a replay with a bad time range is a 422 naming the field, and of a disabled webhook a 409", async () => {
    const hook = await createHook({ url: "http://127.0.0.1:9/x", roomId: "nowhere" });
    const replay = (body: unknown) => herald.api("POST", `/v1/webhooks/${hook.id}/replay`, body);
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ["words", { since: "yesterday" }, "since"],
      // Date.parse would roll this over into 3 March.
      ["31 February", { since: "2026-02-31T00:00:00Z" }, "since"],
      // Date.parse would read these in the server's own time zone.
      ["a time with no zone", { since: "2026-01-01 00:00" }, "since"],
      ["a date alone", { since: "2026-01-01" }, "since"],
      ["hour 25 in until", { since: "2026-01-01T00:00:00Z", until: "2026-01-01T25:00:00Z" }, "until"],
      ["until before since", { since: "2026-01-02T00:00:00Z", until: "2026-01-01T00:00:00Z" }, "until"],
      ["until equal to since", { since: "2026-01-01T00:00:00Z", until: "2026-01-01T00:00:00Z" }, "until"],
      // Offsets are honoured: 00:30 at +01:00 is 23:30 the day before.
      ["until before since once its offset is read", { since: "2026-01-01T00:00:00Z", until: "2026-01-01T00:30:00+01:00" }, "until"],
    ];
    for (const [label, body, field] of cases) {
      const answer = await replay(body);
      expect(`${label}: ${answer.status} ${answer.body.error?.details?.[0]?.field}`).toBe(`${label}: 422 ${field}`);
    }
    expect((await replay({})).status).toBe(422);
    expect((await replay({ since: "2026-01-01T01:00:00+01:00", until: "2026-01-01T00:00:00.001Z" })).status).toBe(200);
    await herald.api("PATCH", `/v1/webhooks/${hook.id}`, { enabled: false });
    expect((await replay({ since: "2026-01-01T00:00:00Z" })).status).toBe(409);
  });
});

describe("test events", () => {
  test("a test sends the type's example, signed, marked test, and never stored in the event log", async () => {
    const receiver = startReceiver();
    const hook = await createHook({ url: receiver.url, roomId: "test-room-only", events: ["session.started"] });
    const sent = await herald.api("POST", `/v1/webhooks/${hook.id}/test`, { type: "user.created" });
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ webhookId: hook.id, eventType: "user.created", test: true, status: "pending" });
    await waitFor(() => receiver.requests.length === 1);
    const envelope = verify(hook.secret, receiver.requests[0]);
    expect(envelope).toMatchObject({ id: sent.body.eventId, type: "user.created", roomId: "test-room-only" });
    expect(envelope.data.user.id).toBeString();
    expect((await herald.api("GET", `/v1/events/${sent.body.eventId}`)).status).toBe(404);
    await waitFor(async () => (await delivery(sent.body.id)).status === "success");
    receiver.stop();
  });

  test("with no type it sends the webhook's first type; an app type gets a small example", async () => {
    const receiver = startReceiver();
    const hook = await createHook({ url: receiver.url, roomId: "test-room-only", events: ["session.started"] });
    expect((await herald.api("POST", `/v1/webhooks/${hook.id}/test`)).body.eventType).toBe("session.started");
    expect((await herald.api("POST", `/v1/webhooks/${hook.id}/test`, { type: "app.deploy.finished" })).status).toBe(201);
    await waitFor(() => receiver.requests.length === 2);
    const types = receiver.requests.map((r) => verify(hook.secret, r)).map((e) => [e.type, typeof e.data]);
    expect(types.sort()).toEqual([["app.deploy.finished", "object"], ["session.started", "object"]]);
    expect((await herald.api("POST", `/v1/webhooks/${hook.id}/test`, { type: "user.exploded" })).status).toBe(422);
    receiver.stop();
  });
});

describe("the delivery log", () => {
  test("lists newest first, filtered by status and event type, paged with a cursor", async () => {
    const roomId = await newRoom();
    const receiver = startReceiver((request) =>
      JSON.parse(request.body).type === "app.bad" ? new Response("no", { status: 400 }) : new Response("ok"),
    );
    const hook = await createHook({ url: receiver.url, roomId });
    const events = [await publish(roomId, "app.good"), await publish(roomId, "app.bad"), await publish(roomId, "app.good")];
    await waitFor(async () => (await deliveriesOf(hook.id)).every((d) => d.status !== "pending") && receiver.requests.length >= 5);

    const all = await deliveriesOf(hook.id);
    expect(all.map((d) => d.eventId)).toEqual(events.map((e) => e.id).reverse());
    expect((await deliveriesOf(hook.id, "?status=failed")).map((d) => d.eventType)).toEqual(["app.bad"]);
    expect((await deliveriesOf(hook.id, "?eventType=app.good")).length).toBe(2);
    expect((await deliveriesOf(hook.id, "?status=pending")).length).toBe(0);

    const page = await herald.api("GET", `/v1/webhooks/${hook.id}/deliveries?limit=2`);
    expect(page.body.data).toHaveLength(2);
    const rest = await herald.api("GET", `/v1/webhooks/${hook.id}/deliveries?limit=2&cursor=${page.body.nextCursor}`);
    expect(rest.body.data.map((d: any) => d.eventId)).toEqual([events[0].id]);
    expect(rest.body.nextCursor).toBeNull();
    expect((await herald.api("GET", `/v1/webhooks/${hook.id}/deliveries?status=lost`)).status).toBe(422);
    receiver.stop();
  });
});

describe("difficult receivers", () => {
  test("a Retry-After on 429 is honoured up to twice the step", async () => {
    const roomId = await newRoom();
    const receiver = startReceiver((_r, index) =>
      index === 0 ? new Response("slow down", { status: 429, headers: { "retry-after": "60" } }) : new Response("ok"),
    );
    const hook = await createHook({ url: receiver.url, roomId });
    await publish(roomId);
    await waitFor(() => receiver.requests.length === 2);
    // The first step is 100 ms (120 with the most jitter); asking for 60 s
    // gets twice the step, 200 ms.
    const gap = receiver.requests[1].at - receiver.requests[0].at;
    expect(gap).toBeGreaterThanOrEqual(190);
    expect(gap).toBeLessThan(1000);
    expect((await settled(hook.id)).status).toBe("success");
    receiver.stop();
  });

  test("a receiver that never answers times out, with status 0", async () => {
    const roomId = await newRoom();
    const receiver = startReceiver(() => new Promise<Response>(() => {}));
    const hook = await createHook({ url: receiver.url, roomId });
    await publish(roomId);
    const [listed] = await deliveriesOf(hook.id);
    const first = await waitFor(async () => (await delivery(listed.id)).attempts[0]);
    expect(first).toMatchObject({ statusCode: 0, error: "timeout", responseBody: null });
    expect(first.durationMs).toBeGreaterThanOrEqual(450);
    receiver.stop();
  });

  test("a huge or endless answer is cut off: the status decides, and 4 KiB of the body is kept", async () => {
    const roomId = await newRoom();
    const endless = startReceiver(
      () =>
        new Response(
          new ReadableStream({
            pull(controller) {
              controller.enqueue(new TextEncoder().encode("x".repeat(16 * 1024)));
            },
          }),
        ),
    );
    const huge = startReceiver(() => new Response("y".repeat(1024 * 1024), { status: 500 }));
    const endlessHook = await createHook({ url: endless.url, roomId, events: ["app.endless"] });
    const hugeHook = await createHook({ url: huge.url, roomId, events: ["app.huge"] });
    await publish(roomId, "app.endless");
    await publish(roomId, "app.huge");

    const ok = await settled(endlessHook.id);
    expect(ok).toMatchObject({ status: "success", lastStatusCode: 200, attemptCount: 1 });
    const okAttempt = (await delivery(ok.id)).attempts[0];
    expect(okAttempt.responseBody).toBe("x".repeat(4096));
    expect(okAttempt.durationMs).toBeLessThan(450);

    const [hugeListed] = await deliveriesOf(hugeHook.id);
    const hugeAttempt = await waitFor(async () => (await delivery(hugeListed.id)).attempts[0]);
    expect(hugeAttempt).toMatchObject({ statusCode: 500, error: "http_status", responseBody: "y".repeat(4096) });
    endless.stop();
    huge.stop();
  });

  test("a connection closed inside the status line is connection_reset; one closed mid-body after a 200 is a success", async () => {
    const roomId = await newRoom();
    using cutStatus = rawServer((socket) => {
      socket.write("HTTP/1.1 20");
      socket.end();
    });
    using cutBody = rawServer((socket) => {
      socket.write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nabc");
      socket.end();
    });
    const resetHook = await createHook({ url: cutStatus.url, roomId, events: ["app.reset"] });
    const cutHook = await createHook({ url: cutBody.url, roomId, events: ["app.cut"] });
    await publish(roomId, "app.reset");
    await publish(roomId, "app.cut");
    const [reset] = await deliveriesOf(resetHook.id);
    const resetAttempt = await waitFor(async () => (await delivery(reset.id)).attempts[0]);
    expect(resetAttempt).toMatchObject({ statusCode: 0, error: "connection_reset", responseBody: null });
    expect(await settled(cutHook.id)).toMatchObject({ status: "success", lastStatusCode: 200, attemptCount: 1 });
  });

  test("a 200 whose body trickles on is a success once the timeout ends the read", async () => {
    const roomId = await newRoom();
    using trickle = rawServer((socket) => {
      socket.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
      const timer = setInterval(() => socket.write("1\r\nx\r\n") || clearInterval(timer), 50);
      socket.data.close = () => clearInterval(timer);
    });
    const hook = await createHook({ url: trickle.url, roomId });
    await publish(roomId);
    const done = await settled(hook.id);
    expect(done).toMatchObject({ status: "success", attemptCount: 1, lastStatusCode: 200 });
    const attempt = (await delivery(done.id)).attempts[0];
    expect(attempt.responseBody).toMatch(/^x+$/);
    expect(attempt.durationMs).toBeGreaterThanOrEqual(450);
    expect(attempt.durationMs).toBeLessThan(1500);
  });

  test("megabytes of response headers fail the attempt and leave the server healthy", async () => {
    const roomId = await newRoom();
    const line = `X-Big: ${"b".repeat(8000)}\r\n`;
    using flood = rawServer((socket) => {
      socket.write("HTTP/1.1 200 OK\r\n");
      for (let i = 0; i < 1000; i++) socket.write(line);
      socket.write("Content-Length: 2\r\n\r\nok");
    });
    const hook = await createHook({ url: flood.url, roomId });
    await publish(roomId);
    const [listed] = await deliveriesOf(hook.id);
    const attempt = await waitFor(async () => (await delivery(listed.id)).attempts[0]);
    expect(attempt).toMatchObject({ statusCode: 0, error: "connection_reset" });
    expect((await herald.api("GET", "/healthz")).status).toBe(200);
  });

  test("a Retry-After that is odd, past or huge never shortens the step, and is capped", async () => {
    const roomId = await newRoom();
    const values = ["-5", "0", "3.5", "1e3", " 3 ", "", "garbage", "Infinity", "-1e309", "99999999999999999999",
      "1".repeat(400), "Thu, 01 Jan 1970 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT"];
    const receivers = values.map((value) =>
      startReceiver((_r, index) =>
        index === 0 ? new Response("slow down", { status: 429, headers: { "retry-after": value } }) : new Response("ok"),
      ),
    );
    for (const [i, receiver] of receivers.entries()) await createHook({ url: receiver.url, roomId, events: [`app.v${i}`] });
    for (let i = 0; i < values.length; i++) await publish(roomId, `app.v${i}`);
    await waitFor(() => receivers.every((r) => r.requests.length === 2), { what: "every second attempt" });
    // The first step is 100 ms, 120 with the most jitter; the cap is twice
    // the step, 200 ms. A second leaves room for a loaded machine while
    // still telling a cap from the seconds or years asked for.
    const gaps = receivers.map((r, i) => [values[i].slice(0, 30), r.requests[1].at - r.requests[0].at] as const);
    for (const [value, gap] of gaps) {
      expect(`${JSON.stringify(value)} waited at least the step: ${gap >= 95}`).toEndWith("true");
      expect(`${JSON.stringify(value)} waited less than a second: ${gap < 1000}`).toEndWith("true");
    }
    for (const receiver of receivers) receiver.stop();
  });

  test("nothing listening is connection_refused, and is retried", async () => {
    const roomId = await newRoom();
    const closed = startReceiver();
    const url = closed.url;
    closed.stop();
    const hook = await createHook({ url, roomId });
    await publish(roomId);
    const failed = await settled(hook.id);
    expect(failed).toMatchObject({ status: "failed", attemptCount: 3, lastStatusCode: 0, lastError: "connection_refused" });
  });

  test("a webhook's rate limit spaces its attempts: at most that many a second", async () => {
    const roomId = await newRoom();
    const receiver = startReceiver();
    const hook = await createHook({ url: receiver.url, roomId, rateLimit: 2 });
    for (let i = 0; i < 4; i++) await publish(roomId);
    await waitFor(() => receiver.requests.length === 4, { timeoutMs: 5000 });
    const at = receiver.requests.map((r) => r.at);
    expect(at[2] - at[0]).toBeGreaterThanOrEqual(950);
    expect(at[3] - at[1]).toBeGreaterThanOrEqual(950);
    const all = await deliveriesOf(hook.id);
    expect(all.every((d) => d.status === "success" && d.attemptCount === 1)).toBe(true);
    receiver.stop();
  });
});

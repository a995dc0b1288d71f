// Webhooks end to end: the real server, real receivers on port 0, and
// every request checked with the standardwebhooks package, as a receiver
// would check it.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Webhook } from "standardwebhooks";
import { type HeraldProcess, type ReceivedRequest, startHerald, startReceiver, waitFor } from "./harness";
import { webhookFixtures } from "./webhook-fixtures";

let herald: HeraldProcess;

beforeAll(async () => {
  herald = await startHerald({ env: { HERALD_RETRY_SCHEDULE: "100ms,200ms" } });
});
afterAll(() => herald.stop());

const { newRoom, createHook, publish } = webhookFixtures(() => herald, "wh-room");

function verify(secret: string, request: ReceivedRequest) {
  return new Webhook(secret).verify(request.body, request.headers) as Record<string, any>;
}

const deliveriesOf = async (webhookId: string, query = "") =>
  (await herald.api("GET", `/v1/webhooks/${webhookId}/deliveries${query}`)).body.data as any[];

describe("managing webhooks", () => {
  test("creating answers 201 with the secret, which reading the webhook never shows but /secret does", async () => {
    const receiver = startReceiver();
    const created = await createHook({ url: `${receiver.url}/in`, events: ["app.x"], description: "ops" });
    expect(created).toMatchObject({
      url: `${receiver.url}/in`,
      events: ["app.x"],
      roomId: null,
      description: "ops",
      headers: {},
      enabled: true,
      disabledReason: null,
      rateLimit: null,
    });
    expect(created.id).toStartWith("wh_");
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

    const read = await herald.api("GET", `/v1/webhooks/${created.id}`);
    expect(read.status).toBe(200);
    expect(read.body.secret).toBeUndefined();
    expect(Object.keys(read.body).sort()).toEqual(
      ["createdAt", "description", "disabledReason", "enabled", "events", "headers", "id", "rateLimit", "roomId", "updatedAt", "url"],
    );
    expect((await herald.api("GET", `/v1/webhooks/${created.id}/secret`)).body).toEqual({ secret: created.secret });
    receiver.stop();
  });

  test("a caller's own secret is kept and signs the requests", async () => {
    const roomId = await newRoom();
    const receiver = startReceiver();
    const secret = `whsec_${Buffer.alloc(24, 9).toString("base64")}`;
    const hook = await createHook({ url: receiver.url, roomId, secret });
    expect(hook.secret).toBe(secret);
    await publish(roomId);
    await waitFor(() => receiver.requests.length === 1);
    expect(verify(secret, receiver.requests[0]).roomId).toBe(roomId);
    receiver.stop();
  });

  test("PATCH changes only the fields given, and null clears the room filter", async () => {
    const hook = await createHook({ url: "http://127.0.0.1:9/a", roomId: "somewhere", rateLimit: 5 });
    const patched = await herald.api("PATCH", `/v1/webhooks/${hook.id}`, {
      description: "renamed",
      roomId: null,
      headers: { "x-team": "ops" },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      url: "http://127.0.0.1:9/a",
      roomId: null,
      description: "renamed",
      headers: { "x-team": "ops" },
      rateLimit: 5,
    });
    const unknownType = await herald.api("PATCH", `/v1/webhooks/${hook.id}`, { events: ["user.exploded"] });
    expect(unknownType.status).toBe(422);
    await herald.api("DELETE", `/v1/webhooks/${hook.id}`);
  });

  test("the list filters by room and pages with a cursor", async () => {
    const roomId = `list-room-${Date.now()}`;
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await createHook({ url: `http://127.0.0.1:9/${i}`, roomId }));
    const first = await herald.api("GET", `/v1/webhooks?roomId=${roomId}&limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.data.map((w: any) => w.id)).toEqual([made[2].id, made[1].id]);
    expect(first.body.data[0].secret).toBeUndefined();
    const second = await herald.api("GET", `/v1/webhooks?roomId=${roomId}&limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body).toEqual({ data: [expect.objectContaining({ id: made[0].id })], nextCursor: null });
    for (const hook of made) await herald.api("DELETE", `/v1/webhooks/${hook.id}`);
  });

  test("deleting a webhook removes it with its deliveries, and waiting retries are never sent", async () => {
    const roomId = await newRoom();
    const receiver = startReceiver(() => new Response("down", { status: 500 }));
    const hook = await createHook({ url: receiver.url, roomId });
    await publish(roomId);
    await waitFor(() => receiver.requests.length === 1);
    const [delivery] = await deliveriesOf(hook.id);

    expect((await herald.api("DELETE", `/v1/webhooks/${hook.id}`)).status).toBe(204);
    expect((await herald.api("GET", `/v1/webhooks/${hook.id}`)).status).toBe(404);
    expect((await herald.api("GET", `/v1/deliveries/${delivery.id}`)).status).toBe(404);
    // The retry was due 100 to 120 ms after the first attempt. Jobs are
    // claimed in due order, so once a probe event queued after that time
    // has been delivered, the cancelled retry would have gone out too.
    const retryDueBy = receiver.requests[0].at + 150;
    await waitFor(() => Date.now() > retryDueBy, { what: "the cancelled retry's due time" });
    const probe = startReceiver();
    const probeHook = await createHook({ url: probe.url, roomId });
    await publish(roomId);
    await waitFor(async () => (await deliveriesOf(probeHook.id))[0]?.status === "success");
    expect(receiver.requests).toHaveLength(1);
    receiver.stop();
    probe.stop();
  });

  test("a webhook deleted while an attempt is in flight: the attempt is dropped, the delivery is gone, and no job fails", async () => {
    const roomId = await newRoom();
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const receiver = startReceiver(async () => {
      await held;
      return new Response("down", { status: 500 });
    });
    const hook = await createHook({ url: receiver.url, roomId });
    await publish(roomId);
    await waitFor(() => receiver.requests.length === 1);
    const [delivery] = await deliveriesOf(hook.id);

    expect((await herald.api("DELETE", `/v1/webhooks/${hook.id}`)).status).toBe(204);
    release();
    await waitFor(
      () => herald.logs.some((l) => l.msg === "delivery attempt dropped: webhook deleted" && l.deliveryId === delivery.id),
      { what: "the in-flight attempt to be dropped" },
    );
    const retry = await herald.api("POST", `/v1/deliveries/${delivery.id}/retry`);
    expect(retry.status).toBe(404);
    expect((await herald.api("GET", `/v1/deliveries/${delivery.id}`)).status).toBe(404);
    expect(herald.logs.filter((l) => l.level === "error" && String(l.msg).includes("job"))).toEqual([]);
    expect(receiver.requests).toHaveLength(1);
    receiver.stop();
  });
});

describe("sending", () => {
  test("every request carries Herald's headers, the caller's own, and verifies with standardwebhooks", async () => {
    const roomId = await newRoom();
    const receiver = startReceiver();
    const hook = await createHook({ url: `${receiver.url}/hooks?src=herald`, roomId, headers: { "X-Api-Token": "t0k" } });
    const event = await publish(roomId, "app.document.published", { docId: "d1" });
    await waitFor(() => receiver.requests.length === 1);

    const [request] = receiver.requests;
    expect(request.method).toBe("POST");
    expect(request.path).toBe("/hooks");
    expect(request.headers).toMatchObject({
      "content-type": "application/json",
      "webhook-id": event.id,
      "x-api-token": "t0k",
    });
    expect(request.headers["user-agent"]).toMatch(/^Herald\/\d+\.\d+\.\d+/);
    expect(Math.abs(Number(request.headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(10);
    expect(verify(hook.secret, request)).toEqual(event as any);
    receiver.stop();
  });

  test("a receiver that fails once gets the same webhook-id and body again, and the log shows both attempts", async () => {
    const roomId = await newRoom();
    const receiver = startReceiver((_request, index) =>
      index === 0 ? new Response("try later", { status: 500 }) : new Response("ok"),
    );
    const hook = await createHook({ url: receiver.url, roomId });
    const event = await publish(roomId);
    await waitFor(() => receiver.requests.length === 2);

    const [first, second] = receiver.requests;
    expect(second.headers["webhook-id"]).toBe(first.headers["webhook-id"]);
    expect(second.headers["webhook-id"]).toBe(event.id);
    expect(second.body).toBe(first.body);
    for (const request of receiver.requests) verify(hook.secret, request);

    const [listed] = await deliveriesOf(hook.id);
    await waitFor(async () => (await herald.api("GET", `/v1/deliveries/${listed.id}`)).body.status === "success");
    const detail = (await herald.api("GET", `/v1/deliveries/${listed.id}`)).body;
    expect(detail).toMatchObject({
      webhookId: hook.id,
      eventId: event.id,
      eventType: "app.x",
      status: "success",
      attemptCount: 2,
      lastStatusCode: 200,
      lastError: null,
      nextAttemptAt: null,
      test: false,
    });
    expect(detail.attempts).toMatchObject([
      { statusCode: 500, error: "http_status", responseBody: "try later", trigger: "scheduled" },
      { statusCode: 200, error: null, responseBody: "ok", trigger: "scheduled" },
    ]);
    expect(detail.attempts[0].startedAt < detail.attempts[1].startedAt).toBe(true);
    receiver.stop();
  });

  test("room-scoped and type-filtered webhooks receive only their events", async () => {
    const roomA = await newRoom();
    const roomB = await newRoom();
    const inRoomA = startReceiver();
    const onlyPings = startReceiver();
    await createHook({ url: inRoomA.url, roomId: roomA });
    await createHook({ url: onlyPings.url, roomId: roomB, events: ["app.ping"] });

    await publish(roomB, "app.other");
    await publish(roomA, "app.ping");
    await publish(roomB, "app.ping");
    await publish(roomA, "app.last");
    await waitFor(() => inRoomA.requests.length === 2 && onlyPings.requests.length === 1);

    const types = (r: { requests: ReceivedRequest[] }) => r.requests.map((q) => JSON.parse(q.body).type).sort();
    expect(types(inRoomA)).toEqual(["app.last", "app.ping"]);
    expect(inRoomA.requests.every((q) => JSON.parse(q.body).roomId === roomA)).toBe(true);
    expect(onlyPings.requests.map((q) => JSON.parse(q.body))).toMatchObject([{ type: "app.ping", roomId: roomB }]);
    inRoomA.stop();
    onlyPings.stop();
  });

  test("a 410 disables the webhook as gone, and enabling it again clears the reason", async () => {
    const roomId = await newRoom();
    const receiver = startReceiver(() => new Response("gone", { status: 410 }));
    const hook = await createHook({ url: receiver.url, roomId });
    await publish(roomId);
    const disabled = await waitFor(async () => {
      const read = (await herald.api("GET", `/v1/webhooks/${hook.id}`)).body;
      return read.enabled === false ? read : null;
    });
    expect(disabled.disabledReason).toBe("gone");
    expect((await deliveriesOf(hook.id))[0]).toMatchObject({ status: "failed", lastStatusCode: 410, attemptCount: 1 });

    // A disabled webhook gets no new deliveries.
    await publish(roomId);
    expect(await deliveriesOf(hook.id)).toHaveLength(1);

    // Nothing can be sent to it by hand either, until it is enabled again.
    const [failed] = await deliveriesOf(hook.id);
    expect((await herald.api("POST", `/v1/deliveries/${failed.id}/retry`)).status).toBe(409);
    expect((await herald.api("POST", `/v1/webhooks/${hook.id}/test`, {})).status).toBe(409);
    const replay = await herald.api("POST", `/v1/webhooks/${hook.id}/replay`, { since: "2020-01-01T00:00:00Z" });
    expect(replay.status).toBe(409);

    const enabled = await herald.api("PATCH", `/v1/webhooks/${hook.id}`, { enabled: true });
    expect(enabled.body).toMatchObject({ enabled: true, disabledReason: null });
    expect(receiver.requests).toHaveLength(1);
    receiver.stop();
  });

  test("a redirect is a failed attempt and its target is never contacted", async () => {
    const roomId = await newRoom();
    const target = startReceiver();
    const redirecting = startReceiver(() => new Response(null, { status: 307, headers: { location: `${target.url}/x` } }));
    const hook = await createHook({ url: redirecting.url, roomId });
    await publish(roomId);
    const failed = await waitFor(async () => {
      const [delivery] = await deliveriesOf(hook.id);
      return delivery?.status === "failed" ? delivery : null;
    });
    expect(failed).toMatchObject({ attemptCount: 3, lastStatusCode: 307, lastError: "redirect" });
    expect(redirecting.requests).toHaveLength(3);
    expect(target.requests).toHaveLength(0);
    target.stop();
    redirecting.stop();
  });

  test("after a rotation each request carries two signatures, and receivers with either secret accept it", async () => {
    const roomId = await newRoom();
    const receiver = startReceiver();
    const hook = await createHook({ url: receiver.url, roomId });
    const rotated = await herald.api("POST", `/v1/webhooks/${hook.id}/rotate-secret`, {});
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toStartWith("whsec_");
    expect(rotated.body.secret).not.toBe(hook.secret);
    expect((await herald.api("GET", `/v1/webhooks/${hook.id}/secret`)).body.secret).toBe(rotated.body.secret);

    await publish(roomId);
    await waitFor(() => receiver.requests.length === 1);
    const [request] = receiver.requests;
    const signatures = request.headers["webhook-signature"].split(" ");
    expect(signatures).toHaveLength(2);
    expect(signatures.every((s) => s.startsWith("v1,"))).toBe(true);
    verify(hook.secret, request);
    verify(rotated.body.secret, request);

    // With no grace the secret being replaced stops signing at once; the
    // first one still has its day of grace.
    const again = await herald.api("POST", `/v1/webhooks/${hook.id}/rotate-secret`, { graceSeconds: 0 });
    await publish(roomId);
    await waitFor(() => receiver.requests.length === 2);
    expect(receiver.requests[1].headers["webhook-signature"].split(" ")).toHaveLength(2);
    verify(again.body.secret, receiver.requests[1]);
    verify(hook.secret, receiver.requests[1]);
    expect(() => verify(rotated.body.secret, receiver.requests[1])).toThrow();
    receiver.stop();
  });
});

describe("bad input gets a clear 4xx", () => {
  const ok = { url: "https://hooks.example.com/in" };
  const cases: Array<[string, unknown, number, string]> = [
    ["a relative URL", { url: "/hooks" }, 422, "url"],
    ["an ftp URL", { url: "ftp://example.com/x" }, 422, "url"],
    ["a URL with credentials", { url: "https://user:pw@example.com/x" }, 422, "url"],
    ["a URL over 2048 characters", { url: `https://example.com/${"a".repeat(2048)}` }, 422, "url"],
    ["no URL", {}, 422, "url"],
    ["an unknown built-in event type", { ...ok, events: ["user.exploded"] }, 422, "events"],
    ["a malformed app event type", { ...ok, events: ["app."] }, 422, "events"],
    ["a secret without the prefix", { ...ok, secret: Buffer.alloc(32).toString("base64") }, 422, "secret"],
    ["a secret of 16 bytes", { ...ok, secret: `whsec_${Buffer.alloc(16).toString("base64")}` }, 422, "secret"],
    ["a secret that is not base64", { ...ok, secret: "whsec_not*base64*at*all*not*base64*at*all" }, 422, "secret"],
    ["21 headers", { ...ok, headers: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`x-h${i}`, "v"])) }, 422, "headers"],
    ["a webhook-* header", { ...ok, headers: { "Webhook-Signature": "v1,forged" } }, 422, "headers"],
    ["a content-type header", { ...ok, headers: { "content-type": "text/plain" } }, 422, "headers"],
    ["a host header", { ...ok, headers: { host: "evil.example" } }, 422, "headers"],
    ["a header value with a line break", { ...ok, headers: { "x-a": "b\r\nx-c: d" } }, 422, "headers"],
    ["a rate limit of 0", { ...ok, rateLimit: 0 }, 422, "rateLimit"],
    ["a fractional rate limit", { ...ok, rateLimit: 1.5 }, 422, "rateLimit"],
    ["events given as a string", { ...ok, events: "app.x" }, 422, "events"],
    ["a room id with a slash", { ...ok, roomId: "a/b" }, 422, "roomId"],
  ];
  for (const [label, body, status, field] of cases) {
    test(`${label} is ${status}, naming ${field}`, async () => {
      const response = await herald.api("POST", "/v1/webhooks", body);
      expect(response.status).toBe(status);
      expect(response.body.error.code).toBe("validation_failed");
      expect(JSON.stringify(response.body.error)).toContain(field);
    });
  }

  test("the unknown event type is named in the message", async () => {
    const response = await herald.api("POST", "/v1/webhooks", { ...ok, events: ["app.fine", "user.exploded"] });
    expect(response.body.error.message).toContain("user.exploded");
  });

  test("malformed JSON is a 400", async () => {
    const response = await herald.api("POST", "/v1/webhooks", '{"url": "https://example.com"');
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("invalid_json");
  });

  test("an unknown webhook is a 404 on every route", async () => {
    for (const [method, path] of [
      ["GET", "/v1/webhooks/wh_nope"],
      ["GET", "/v1/webhooks/wh_nope/secret"],
      ["PATCH", "/v1/webhooks/wh_nope"],
      ["DELETE", "/v1/webhooks/wh_nope"],
      ["POST", "/v1/webhooks/wh_nope/rotate-secret"],
      ["POST", "/v1/webhooks/wh_nope/test"],
      ["GET", "/v1/webhooks/wh_nope/deliveries"],
    ]) {
      const response = await herald.api(method, path, method === "GET" || method === "DELETE" ? undefined : {});
      expect(`${method} ${path} ${response.status}`).toBe(`${method} ${path} 404`);
      expect(response.body.error.code).toBe("not_found");
    }
  });

  test("a bad grace period for a rotation is a 422", async () => {
    const hook = await createHook({ url: "http://127.0.0.1:9/x" });
    const response = await herald.api("POST", `/v1/webhooks/${hook.id}/rotate-secret`, { graceSeconds: -1 });
    expect(response.status).toBe(422);
    await herald.api("DELETE", `/v1/webhooks/${hook.id}`);
  });
});

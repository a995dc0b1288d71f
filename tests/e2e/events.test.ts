import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type HeraldProcess, startHerald, startReceiver, TEST_API_KEY, waitFor } from "./harness";

let herald: HeraldProcess;

beforeAll(async () => {
  herald = await startHerald();
  for (const id of ["ev-a", "ev-b"]) expect((await herald.api("POST", "/v1/rooms", { id })).status).toBe(201);
});
afterAll(() => herald.stop());

const publish = (type: string, roomId: string, data: unknown = {}, headers?: Record<string, string>) =>
  herald.api("POST", "/v1/events", { type, roomId, data }, headers);

/** Opens the live stream and collects the envelopes it sends. */
async function openStream(query = "") {
  const controller = new AbortController();
  const response = await fetch(`${herald.url}/v1/events/stream${query}`, {
    headers: { authorization: `Bearer ${TEST_API_KEY}` },
    signal: controller.signal,
  });
  const received: any[] = [];
  let raw = "";
  const reading = (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body as ReadableStream<Uint8Array>) {
        raw += decoder.decode(chunk, { stream: true });
        let end = raw.indexOf("\n\n");
        while (end >= 0) {
          const frame = raw.slice(0, end);
          raw = raw.slice(end + 2);
          const data = frame.split("\n").find((line) => line.startsWith("data: "));
          if (data) received.push(JSON.parse(data.slice(6)));
          end = raw.indexOf("\n\n");
        }
      }
    } catch {
      // aborted by close()
    }
  })();

  return {
    response,
    received,
    close: async () => {
      controller.abort();
      await reading;
    },
  };
}

describe("publishing app events", () => {
  test("an app event answers 201 with the stored envelope", async () => {
    const published = await publish("app.document.published", "ev-a", { docId: "d1", pages: 3 });
    expect(published.status).toBe(201);
    expect(published.body).toMatchObject({
      type: "app.document.published",
      roomId: "ev-a",
      data: { docId: "d1", pages: 3 },
    });
    expect(published.body.id).toMatch(/^evt_/);
    expect(Number.isInteger(published.body.sequence)).toBe(true);
    expect(Date.parse(published.body.timestamp)).not.toBeNaN();

    const stored = await herald.api("GET", `/v1/events/${published.body.id}`);
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject(published.body);
  });

  test("sequence rises strictly within a room", async () => {
    const first = await publish("app.tick", "ev-b");
    const second = await publish("app.tick", "ev-b");
    expect(second.body.sequence).toBeGreaterThan(first.body.sequence);
  });

  test("types other than app.… are 422, built-in ones included", async () => {
    for (const type of ["user.created", "participant.joined", "document.published", "app.", "app..x", "App.x", "app.has space", `app.${"x".repeat(130)}`]) {
      const response = await publish(type, "ev-a");
      expect({ type, status: response.status }).toEqual({ type, status: 422 });
      expect(response.body.error.code).toBe("validation_failed");
    }
  });

  test("data that is not an object is 422", async () => {
    for (const data of [[1, 2], "text", 3, null]) {
      const response = await publish("app.bad", "ev-a", data);
      expect({ data, status: response.status }).toEqual({ data, status: 422 });
    }
  });

  test("data over 64 KiB is 413 and stores nothing", async () => {
    const before = await herald.api("GET", "/v1/events?type=app.big&limit=100");
    const response = await publish("app.big", "ev-a", { blob: "x".repeat(64 * 1024) });
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe("payload_too_large");
    const after = await herald.api("GET", "/v1/events?type=app.big&limit=100");
    expect(after.body.data.length).toBe(before.body.data.length);
  });

  test("an event for a room that does not exist is 404", async () => {
    const response = await publish("app.orphan", "no-such-room");
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe("not_found");
  });
});

describe("the event log", () => {
  test("the list is newest first and filters by type and room", async () => {
    const a = await publish("app.filter.one", "ev-a");
    const b = await publish("app.filter.two", "ev-b");
    const c = await publish("app.filter.one", "ev-b");

    const all = await herald.api("GET", "/v1/events?limit=3");
    expect(all.body.data.map((e: { id: string }) => e.id)).toEqual([c.body.id, b.body.id, a.body.id]);

    const byType = await herald.api("GET", "/v1/events?type=app.filter.one");
    expect(byType.body.data.map((e: { id: string }) => e.id)).toEqual([c.body.id, a.body.id]);

    const byBoth = await herald.api("GET", "/v1/events?type=app.filter.one&roomId=ev-b");
    expect(byBoth.body.data.map((e: { id: string }) => e.id)).toEqual([c.body.id]);

    const severalTypes = await herald.api("GET", "/v1/events?type=app.filter.one,app.filter.two&roomId=ev-b");
    expect(severalTypes.body.data.map((e: { id: string }) => e.id)).toEqual([c.body.id, b.body.id]);
  });

  test("paging with the cursor visits every event once, even while new ones arrive", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.unshift((await publish("app.paged", "ev-a", { i })).body.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await herald.api("GET", `/v1/events?type=app.paged&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      seen.push(...page.body.data.map((e: { id: string }) => e.id));
      cursor = page.body.nextCursor;
      await publish("app.paged", "ev-a", { late: true });
    } while (cursor);
    expect(seen).toEqual(ids);
  });

  test("an unknown event id is 404", async () => {
    const response = await herald.api("GET", "/v1/events/evt_doesnotexist");
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe("not_found");
  });

  test("an event's detail lists the webhook deliveries it caused", async () => {
    using receiver = startReceiver();
    const hook = await herald.api("POST", "/v1/webhooks", { url: `${receiver.url}/hook`, events: ["app.caused"] });
    expect(hook.status).toBe(201);
    const published = await publish("app.caused", "ev-a", { n: 1 });
    // The delivery is written in the event's own transaction, so it is
    // there as soon as the publish has answered, whatever its progress.
    const detail = await herald.api("GET", `/v1/events/${published.body.id}`);
    expect(detail.body.deliveries).toHaveLength(1);
    expect(detail.body.deliveries[0]).toMatchObject({
      webhookId: hook.body.id,
      eventId: published.body.id,
      eventType: "app.caused",
      test: false,
    });
    expect(["pending", "success"]).toContain(detail.body.deliveries[0].status);
    expect(detail.body.executions).toEqual([]);
    await herald.api("DELETE", `/v1/webhooks/${hook.body.id}`);
  });

  test("an event no consumer wanted caused nothing", async () => {
    const published = await publish("app.ignored", "ev-a");
    const detail = await herald.api("GET", `/v1/events/${published.body.id}`);
    expect(detail.body.deliveries).toEqual([]);
    expect(detail.body.executions).toEqual([]);
  });
});

describe("event types", () => {
  test("every built-in type has a description, a data schema and an example", async () => {
    const response = await herald.api("GET", "/v1/event-types");
    expect(response.status).toBe(200);
    const types = response.body.data.map((entry: { type: string }) => entry.type);
    for (const type of ["participant.joined", "participant.left", "session.started", "session.closed", "user.created", "user.updated", "user.deleted"]) {
      expect(types).toContain(type);
    }
    for (const entry of response.body.data) {
      expect(entry.description.length).toBeGreaterThan(10);
      expect(entry.schema.type).toBe("object");
      expect(typeof entry.example).toBe("object");
      for (const field of entry.schema.required ?? []) expect(entry.example).toHaveProperty(field);
    }
  });
});

describe("the live stream", () => {
  test("a new event arrives on the stream as its envelope", async () => {
    const stream = await openStream();
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get("content-type")).toStartWith("text/event-stream");
    const published = await publish("app.live", "ev-a", { hello: "world" });
    await waitFor(() => stream.received.some((event) => event.id === published.body.id), { what: "the streamed event" });
    expect(stream.received.find((event) => event.id === published.body.id)).toEqual(published.body);
    await stream.close();
  });

  test("events from user changes reach the stream too", async () => {
    const stream = await openStream("?roomId=ev-b&type=user.created");
    await herald.api("POST", "/v1/rooms/ev-b/users", { id: "streamed-user" });
    const event = await waitFor(() => stream.received.find((e) => e.type === "user.created"), { what: "user.created" });
    expect(event.data.user.id).toBe("streamed-user");
    await stream.close();
  });

  test("the stream sends only what its filters ask for", async () => {
    const stream = await openStream("?type=app.wanted&roomId=ev-b");
    await publish("app.wanted", "ev-a");
    await publish("app.unwanted", "ev-b");
    const wanted = await publish("app.wanted", "ev-b");
    await waitFor(() => stream.received.some((event) => event.id === wanted.body.id), { what: "the wanted event" });
    expect(stream.received.map((event) => event.id)).toEqual([wanted.body.id]);
    await stream.close();
  });

  test("the stream needs an API key", async () => {
    const response = await fetch(`${herald.url}/v1/events/stream`);
    expect(response.status).toBe(401);
  });

  test("SIGTERM ends open streams and the server exits 0", async () => {
    const own = await startHerald();
    const response = await fetch(`${own.url}/v1/events/stream`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } });
    const drained = response.text();
    expect(await own.stop()).toBe(0);
    expect(await drained).toContain(": connected");
  });

  test("a client that goes away is unsubscribed", async () => {
    const closedBefore = herald.logs.filter((line) => line.msg === "event stream closed").length;
    const stream = await openStream("?roomId=ev-a");
    await stream.close();
    await waitFor(() => herald.logs.filter((line) => line.msg === "event stream closed").length > closedBefore, {
      what: "the stream's clean-up",
    });
  });
});

describe("Idempotency-Key", () => {
  test("a repeat with the same key and body answers the first result and publishes nothing again", async () => {
    const headers = { "idempotency-key": "publish-once-1" };
    const first = await publish("app.once", "ev-a", { n: 1 }, headers);
    const again = await publish("app.once", "ev-a", { n: 1 }, headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    const stored = await herald.api("GET", "/v1/events?type=app.once");
    expect(stored.body.data).toHaveLength(1);
  });

  test("the same key with another body is 409", async () => {
    const headers = { "idempotency-key": "publish-once-2" };
    expect((await publish("app.twice", "ev-a", { n: 1 }, headers)).status).toBe(201);
    const other = await publish("app.twice", "ev-a", { n: 2 }, headers);
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe("conflict");
  });

  test("a failed first attempt is not kept: the repeat runs again", async () => {
    const headers = { "idempotency-key": "publish-after-room" };
    expect((await publish("app.late", "ev-late", {}, headers)).status).toBe(404);
    await herald.api("POST", "/v1/rooms", { id: "ev-late" });
    expect((await publish("app.late", "ev-late", {}, headers)).status).toBe(201);
  });

  test("keys belong to one API key: another key may use the same one", async () => {
    const other = await herald.api("POST", "/v1/api-keys", { name: "idempotency peer" });
    const headers = { "idempotency-key": "shared-name" };
    const mine = await publish("app.peer", "ev-a", { n: 1 }, headers);
    const theirs = await herald.api(
      "POST",
      "/v1/events",
      { type: "app.peer", roomId: "ev-a", data: { n: 1 } },
      { ...headers, authorization: `Bearer ${other.body.key}` },
    );
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(mine.body.id);
  });

  test("a malformed key is 422", async () => {
    const response = await publish("app.bad-key", "ev-a", {}, { "idempotency-key": "has space" });
    expect(response.status).toBe(422);
  });
});

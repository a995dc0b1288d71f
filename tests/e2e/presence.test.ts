// Presence end to end: real WebSocket clients against the real server,
// events read back through GET /v1/events. Short grace and ping settings
// keep the waits small; each test uses its own room.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type HeraldProcess, startHerald, waitFor } from "./harness";
import {
  addUser,
  connect,
  eventsOf,
  presenceEvents,
  SHORT_TIMERS,
  upgradeHeaders,
  waitForEvent,
} from "./presence-client";

describe("presence", () => {
  let herald: HeraldProcess;

  beforeAll(async () => {
    herald = await startHerald({ env: SHORT_TIMERS });
  });
  afterAll(async () => {
    await herald.stop();
  });

  test("two connections of one user and a reconnect inside the grace period fire one start, join, leave and close, in order", async () => {
    const token = await addUser(herald, "grace-room", "ada");
    const first = connect(herald, "grace-room", token);
    const second = connect(herald, "grace-room", token);
    await Promise.all([first.opened, second.opened]);
    await waitFor(() => second.presence()?.participants[0]?.connectionCount === 2, { what: "two connections" });
    expect(second.presence().participants).toHaveLength(1);
    expect(second.presence().participants[0].user).toMatchObject({ id: "ada", online: true });

    first.ws.close();
    await first.closed;
    second.ws.close();
    await second.closed;
    // Back within the 300 ms grace period: the user never left.
    const third = connect(herald, "grace-room", token);
    await third.opened;
    await waitFor(() => third.presence()?.participants[0]?.connectionCount === 1, { what: "reconnect" });
    third.ws.close();
    await third.closed;

    const events = await waitForEvent(herald, "grace-room", "session.closed");
    expect(events.map((e) => e.type)).toEqual([
      "session.started",
      "participant.joined",
      "participant.left",
      "session.closed",
    ]);
    const [started, joined, left, closed] = events;
    const sessionId = started.data.sessionId;
    expect(sessionId).toStartWith("ses_");
    expect(joined.data).toMatchObject({ sessionId, connectionCount: 1, participantCount: 1 });
    expect(joined.data.user).toMatchObject({ id: "ada", name: "ada", online: true });
    expect(left.data).toMatchObject({ sessionId, participantCount: 0, reason: "closed" });
    expect(left.data.user.online).toBe(false);
    expect(closed.data).toMatchObject({
      sessionId,
      startedAt: started.data.startedAt,
      peakParticipants: 1,
      reason: "all_left",
    });
    expect(closed.data.durationMs).toBe(Date.parse(closed.data.closedAt) - Date.parse(closed.data.startedAt));
  });

  test("a session stays open until the last of several users leaves and counts its peak", async () => {
    const ada = await addUser(herald, "pair-room", "ada");
    const bob = await addUser(herald, "pair-room", "bob");
    const a = connect(herald, "pair-room", ada);
    await a.opened;
    await waitForEvent(herald, "pair-room", "participant.joined");
    const b = connect(herald, "pair-room", bob);
    await b.opened;
    await waitFor(() => a.presence()?.participants.length === 2, { what: "both in a's view" });

    const room = await herald.api("GET", "/v1/rooms/pair-room");
    expect(room.body.participantCount).toBe(2);
    expect(room.body.activeSessionId).toStartWith("ses_");
    const listed = await herald.api("GET", "/v1/rooms/pair-room/participants");
    expect(listed.body.data.map((p: any) => p.user.id)).toEqual(["bob", "ada"]);
    expect(listed.body.data[0]).toMatchObject({ connectionCount: 1, user: { online: true } });

    a.ws.close();
    await waitForEvent(herald, "pair-room", "participant.left");
    await waitFor(() => b.presence()?.participants.length === 1, { what: "ada gone from b's view" });
    expect((await herald.api("GET", "/v1/rooms/pair-room")).body.activeSessionId).toBe(room.body.activeSessionId);
    b.ws.close();

    const events = await waitForEvent(herald, "pair-room", "session.closed");
    expect(events.map((e) => `${e.type}:${e.data.user?.id ?? ""}`)).toEqual([
      "session.started:",
      "participant.joined:ada",
      "participant.joined:bob",
      "participant.left:ada",
      "participant.left:bob",
      "session.closed:",
    ]);
    expect(events[2].data.participantCount).toBe(2);
    expect(events[3].data.participantCount).toBe(1);
    expect(events[5].data.peakParticipants).toBe(2);

    const sessions = await herald.api("GET", "/v1/rooms/pair-room/sessions");
    expect(sessions.body.data).toHaveLength(1);
    expect(sessions.body.data[0]).toMatchObject({ peakParticipants: 2, reason: "all_left" });
    const after = await herald.api("GET", "/v1/rooms/pair-room");
    expect(after.body).toMatchObject({ participantCount: 0, activeSessionId: null });
  });

  describe("tokens refused before the upgrade with 401", () => {
    const cases: Array<[string, () => Promise<string>]> = [
      ["no token at all", async () => ""],
      ["garbage", async () => "not-a-token"],
      [
        "a forged signature",
        async () => {
          const token = await addUser(herald, "refuse-room", "forged");
          const [body, sig] = token.split(".");
          const flipped = (sig[0] === "A" ? "B" : "A") + sig.slice(1);
          return `${body}.${flipped}`;
        },
      ],
      [
        "claims rewritten to another room under the original signature",
        async () => {
          const token = await addUser(herald, "other-room", "mallory");
          const [body, sig] = token.split(".");
          const claims = JSON.parse(Buffer.from(body, "base64url").toString());
          claims.r = "refuse-room";
          return `${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${sig}`;
        },
      ],
      ["a token made for another room", () => addUser(herald, "elsewhere-room", "eve")],
      [
        "an expired token",
        async () => {
          await addUser(herald, "refuse-room", "late");
          const made = await herald.api("POST", "/v1/rooms/refuse-room/users/late/tokens", { ttlSeconds: 1 });
          await waitFor(() => Date.now() > Date.parse(made.body.expiresAt) + 50, { what: "expiry" });
          return made.body.token;
        },
      ],
      [
        "a deleted user's token",
        async () => {
          const token = await addUser(herald, "refuse-room", "gone");
          expect((await herald.api("DELETE", "/v1/rooms/refuse-room/users/gone")).status).toBe(204);
          return token;
        },
      ],
      [
        "a token of a user deleted and made again with the same id",
        async () => {
          const token = await addUser(herald, "refuse-room", "again");
          expect((await herald.api("DELETE", "/v1/rooms/refuse-room/users/again")).status).toBe(204);
          await addUser(herald, "refuse-room", "again");
          return token;
        },
      ],
    ];
    for (const [label, make] of cases) {
      test(label, async () => {
        const token = await make();
        const response = await fetch(
          `${herald.url}/v1/rooms/refuse-room/connect?token=${encodeURIComponent(token)}`,
          { headers: upgradeHeaders() },
        );
        expect(response.status).toBe(401);
        const body = (await response.json()) as any;
        expect(body.error.code).toBe("unauthorized");
        expect(body.error.message).toBeString();
      });
    }

    test("and a WebSocket client with such a token never opens", async () => {
      const client = connect(herald, "refuse-room", "not-a-token");
      await expect(client.opened).rejects.toThrow();
      expect((await presenceEvents(herald, "refuse-room")).length).toBe(0);
    });
  });

  test("a client ping is answered with a pong", async () => {
    const token = await addUser(herald, "ping-room", "ada");
    const client = connect(herald, "ping-room", token);
    await client.opened;
    client.ws.send(JSON.stringify({ type: "ping" }));
    client.ws.send("something this version ignores");
    await waitFor(() => client.messages.some((m) => m.type === "pong"), { what: "pong" });
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    client.ws.close();
  });

  test("a message over 64 KiB closes the connection with 1009", async () => {
    const token = await addUser(herald, "big-room", "ada");
    const client = connect(herald, "big-room", token);
    await client.opened;
    client.ws.send(JSON.stringify({ type: "ping", pad: "x".repeat(64 * 1024) }));
    expect((await client.closed).code).toBe(1009);
    const events = await waitForEvent(herald, "big-room", "session.closed");
    expect(events.find((e) => e.type === "participant.left").data.reason).toBe("closed");
  });

  test("a connection that stops answering pings is dropped and its user leaves with reason timeout", async () => {
    const token = await addUser(herald, "silent-room", "ghost");
    // A hand-made WebSocket client: it upgrades, then never answers a ping
    // (Bun's own WebSocket would answer them for us).
    let head = "";
    let upgraded = () => {};
    const gotHead = new Promise<void>((resolve) => (upgraded = resolve));
    let dropped = () => {};
    const gone = new Promise<void>((resolve) => (dropped = resolve));
    const socket = await Bun.connect({
      hostname: "127.0.0.1",
      port: herald.port,
      socket: {
        data(_socket, chunk) {
          if (!head.includes("\r\n\r\n")) {
            head += Buffer.from(chunk).toString("latin1");
            if (head.includes("\r\n\r\n")) upgraded();
          }
        },
        close: () => dropped(),
        error: () => dropped(),
      },
    });
    const key = upgradeHeaders()["sec-websocket-key"];
    socket.write(
      `GET /v1/rooms/silent-room/connect?token=${encodeURIComponent(token)} HTTP/1.1\r\nHost: 127.0.0.1:${herald.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    await gotHead;
    expect(head).toStartWith("HTTP/1.1 101");
    await waitForEvent(herald, "silent-room", "participant.joined");

    await gone;
    const events = await waitForEvent(herald, "silent-room", "session.closed");
    expect(events.map((e) => e.type)).toEqual([
      "session.started",
      "participant.joined",
      "participant.left",
      "session.closed",
    ]);
    expect(events[2].data.reason).toBe("timeout");
  });

  test("a client that answers pings stays connected past the pong timeout", async () => {
    const token = await addUser(herald, "steady-room", "ada");
    const client = connect(herald, "steady-room", token);
    await client.opened;
    // Several ping rounds (200 ms apart, 300 ms to answer) go by.
    const until = Date.now() + 1200;
    await waitFor(() => Date.now() > until, { what: "ping rounds", timeoutMs: 5000 });
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    expect((await presenceEvents(herald, "steady-room")).map((e) => e.type)).toEqual([
      "session.started",
      "participant.joined",
    ]);
    client.ws.close();
  });

  test("changing an online user fires user.updated only and shows the new name to the room", async () => {
    const token = await addUser(herald, "rename-room", "ada", "Ada Lovelace");
    const client = connect(herald, "rename-room", token);
    await client.opened;
    await waitForEvent(herald, "rename-room", "participant.joined");
    const patched = await herald.api("PATCH", "/v1/rooms/rename-room/users/ada", { name: "Ada King" });
    expect(patched.body).toMatchObject({ name: "Ada King", online: true });
    await waitFor(() => client.presence()?.participants[0]?.user.name === "Ada King", { what: "new name" });

    const all = await eventsOf(herald, "rename-room");
    expect(all.map((e) => e.type)).toEqual([
      "user.created",
      "session.started",
      "participant.joined",
      "user.updated",
    ]);
    expect(all[3].data.user.online).toBe(true);
    client.ws.close();
    const events = await waitForEvent(herald, "rename-room", "participant.left");
    expect(events.find((e) => e.type === "participant.left").data.user.name).toBe("Ada King");
  });

  test("deleting an online user closes their sockets at once: left (user_deleted), session closed, user deleted", async () => {
    const token = await addUser(herald, "evict-room", "ada");
    const one = connect(herald, "evict-room", token);
    const two = connect(herald, "evict-room", token);
    await Promise.all([one.opened, two.opened]);
    await waitFor(() => two.presence()?.participants[0]?.connectionCount === 2, { what: "two connections" });

    expect((await herald.api("DELETE", "/v1/rooms/evict-room/users/ada")).status).toBe(204);
    expect((await one.closed).code).toBe(4000);
    expect((await two.closed).code).toBe(4000);

    const all = await eventsOf(herald, "evict-room");
    expect(all.map((e) => e.type)).toEqual([
      "user.created",
      "session.started",
      "participant.joined",
      "participant.left",
      "session.closed",
      "user.deleted",
    ]);
    expect(all[3].data.reason).toBe("user_deleted");
    expect(all[4].data.reason).toBe("all_left");
    expect(all[5].data.user).toMatchObject({ id: "ada", online: false });
  });

  test("deleting a room closes its sockets: each left (room_deleted), session closed (room_deleted), each user deleted", async () => {
    const ada = await addUser(herald, "doomed-room", "ada");
    const bob = await addUser(herald, "doomed-room", "bob");
    await addUser(herald, "doomed-room", "carol");
    const a = connect(herald, "doomed-room", ada);
    const b = connect(herald, "doomed-room", bob);
    await Promise.all([a.opened, b.opened]);
    await waitFor(() => a.presence()?.participants.length === 2, { what: "both online" });

    expect((await herald.api("DELETE", "/v1/rooms/doomed-room")).status).toBe(204);
    expect((await a.closed).code).toBe(4001);
    expect((await b.closed).code).toBe(4001);

    const all = await eventsOf(herald, "doomed-room");
    const tail = all.slice(-6);
    expect(tail.map((e) => e.type)).toEqual([
      "participant.left",
      "participant.left",
      "session.closed",
      "user.deleted",
      "user.deleted",
      "user.deleted",
    ]);
    expect(tail.slice(0, 2).map((e) => e.data.reason)).toEqual(["room_deleted", "room_deleted"]);
    expect(tail.slice(0, 2).map((e) => e.data.participantCount)).toEqual([1, 0]);
    expect(tail[2].data.reason).toBe("room_deleted");
    expect(tail.slice(3).map((e) => e.data.user.id)).toEqual(["ada", "bob", "carol"]);
    expect((await herald.api("GET", "/v1/rooms/doomed-room/participants")).status).toBe(404);
  });

  test("participants and sessions of an unknown room are 404", async () => {
    for (const path of ["participants", "sessions"]) {
      const response = await herald.api("GET", `/v1/rooms/no-such-room/${path}`);
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe("not_found");
    }
  });

  test("sessions are listed newest first, a page at a time", async () => {
    const token = await addUser(herald, "history-room", "ada");
    for (let round = 1; round <= 3; round++) {
      const client = connect(herald, "history-room", token);
      await client.opened;
      await waitForEvent(herald, "history-room", "participant.joined", round);
      client.ws.close();
      await waitForEvent(herald, "history-room", "session.closed", round);
    }
    const first = await herald.api("GET", "/v1/rooms/history-room/sessions?limit=2");
    expect(first.body.data).toHaveLength(2);
    expect(first.body.nextCursor).toBeString();
    const second = await herald.api(
      "GET",
      `/v1/rooms/history-room/sessions?limit=2&cursor=${first.body.nextCursor}`,
    );
    expect(second.body.data).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
    const started = [...first.body.data, ...second.body.data].map((s: any) => s.startedAt);
    expect(started).toEqual([...started].sort().reverse());
    expect(new Set([...first.body.data, ...second.body.data].map((s: any) => s.id)).size).toBe(3);
  });
});

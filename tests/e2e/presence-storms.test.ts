// Presence under load: connection storms, reconnects right at the grace
// period's edge, joins racing app events, a room deleted while its users
// connect, and frame limits. Each test ends by checking the room's whole
// event log against the presence rules (presenceProblems).

import { afterAll, beforeAll, expect, test } from "bun:test";
import { type HeraldProcess, startHerald, waitFor } from "./harness";
import { addUser, connect, SHORT_TIMERS } from "./presence-client";
import { allEvents, presenceProblems, rawWs, textFrame } from "./presence-rules";

let h: HeraldProcess;
beforeAll(async () => {
  h = await startHerald({ env: SHORT_TIMERS });
}, 30_000);
afterAll(() => h.stop());

/** The room's log once its last session has closed and nobody is online. */
async function settled(roomId: string) {
  return waitFor(
    async () => {
      const events = await allEvents(h, roomId);
      const room = (await h.api("GET", `/v1/rooms/${roomId}`)).body;
      const last = events.filter((e) => e.type.startsWith("session.")).at(-1);
      return room.participantCount === 0 && last?.type === "session.closed" ? events : undefined;
    },
    { what: `room ${roomId} to settle`, timeoutMs: 15_000, intervalMs: 100 },
  );
}

test("30 connections of one user opened and closed at once, 5 times: one join and one leave", async () => {
  const token = await addUser(h, "storm", "u1");
  for (let round = 0; round < 5; round++) {
    const clients = Array.from({ length: 30 }, () => connect(h, "storm", token));
    await Promise.allSettled(clients.map((c) => c.opened));
    for (const c of clients) c.ws.close();
    await Promise.all(clients.map((c) => c.closed));
  }
  const events = await settled("storm");
  expect(presenceProblems(events)).toEqual([]);
  expect(events.filter((e) => e.type === "participant.joined").length).toBe(1);
}, 30_000);

test("reconnects at 280–320 ms around a 300 ms grace: joins and leaves pair up", async () => {
  const token = await addUser(h, "grace", "g1");
  for (let i = 0; i < 20; i++) {
    const c = connect(h, "grace", token);
    await c.opened;
    c.ws.close();
    await c.closed;
    await Bun.sleep(280 + (i % 5) * 10);
  }
  expect(presenceProblems(await settled("grace"))).toEqual([]);
}, 30_000);

test("40 users joining while 40 app events publish: sequence 1..N, no gaps or repeats", async () => {
  await h.api("POST", "/v1/rooms", { id: "many" });
  const tokens = await Promise.all(
    Array.from({ length: 40 }, async (_, i) => {
      await h.api("POST", "/v1/rooms/many/users", { id: `m${i}` });
      return (await h.api("POST", `/v1/rooms/many/users/m${i}/tokens`, {})).body.token as string;
    }),
  );
  const clients = tokens.map((t) => connect(h, "many", t));
  await Promise.all(Array.from({ length: 40 }, (_, i) => h.api("POST", "/v1/events", { type: "app.tick", roomId: "many", data: { i } })));
  await Promise.allSettled(clients.map((c) => c.opened));
  for (const c of clients) c.ws.close();
  expect(presenceProblems(await settled("many"))).toEqual([]);
}, 30_000);

test("deleting a room while its users connect: every socket closes 4001, events in order", async () => {
  await h.api("POST", "/v1/rooms", { id: "doom" });
  const tokens = await Promise.all(
    Array.from({ length: 20 }, async (_, i) => {
      await h.api("POST", "/v1/rooms/doom/users", { id: `d${i}` });
      return (await h.api("POST", `/v1/rooms/doom/users/d${i}/tokens`, {})).body.token as string;
    }),
  );
  const clients = tokens.map((t) => connect(h, "doom", t));
  await Bun.sleep(3);
  expect((await h.api("DELETE", "/v1/rooms/doom")).status).toBe(204);
  const codes = await Promise.all(clients.map((c) => c.closed.then((x) => x.code)));
  expect(codes.every((c) => c === 4001 || c === 4002 || c === 1006)).toBe(true);
  expect(presenceProblems(await allEvents(h, "doom"))).toEqual([]);
  await h.api("POST", "/v1/rooms", { id: "doom" });
  expect((await h.api("GET", "/v1/rooms/doom")).body.participantCount).toBe(0);
}, 30_000);

test("a message of exactly 64 KiB is answered; 64 KiB + 1 closes 1009", async () => {
  const token = await addUser(h, "msg", "x1");
  const c = connect(h, "msg", token);
  await c.opened;
  const base = JSON.stringify({ type: "ping", pad: "" }).length;
  c.ws.send(JSON.stringify({ type: "ping", pad: "x".repeat(64 * 1024 - base) }));
  await waitFor(() => c.messages.some((m) => m.type === "pong"), { what: "the pong" });
  c.ws.send(new Uint8Array(64 * 1024 + 1));
  expect((await c.closed).code).toBe(1009);
}, 30_000);

test("a frame header declaring 2^40 bytes, and 200 KB of fragments, are cut off", async () => {
  const t1 = await addUser(h, "huge", "h1");
  const a = await rawWs(h, `/v1/rooms/huge/connect?token=${encodeURIComponent(t1)}`);
  expect(await a.head).toStartWith("HTTP/1.1 101");
  const header = Buffer.alloc(14);
  header[0] = 0x81;
  header[1] = 0x80 | 127;
  header.writeBigUInt64BE(2n ** 40n, 2);
  a.write(header);
  await a.closed;

  const t2 = await addUser(h, "frag", "f1");
  const b = await rawWs(h, `/v1/rooms/frag/connect?token=${encodeURIComponent(t2)}`);
  await b.head;
  for (let i = 0; i < 20; i++) {
    const frame = textFrame(Buffer.alloc(10_000, 0x61));
    frame[0] = i === 0 ? 0x01 : 0x00; // not FIN; text, then continuation
    b.write(frame);
  }
  await b.closed;
}, 30_000);

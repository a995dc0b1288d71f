// Helpers the presence e2e tests share: a WebSocket client that records
// what it receives, users with tokens, and reading a room's events back
// through GET /v1/events.

import { expect } from "bun:test";
import { type HeraldProcess, waitFor } from "./harness";

const PRESENCE_TYPES = new Set([
  "session.started",
  "session.closed",
  "participant.joined",
  "participant.left",
]);

export const SHORT_TIMERS = {
  HERALD_PRESENCE_GRACE_MS: "300",
  HERALD_PING_INTERVAL_MS: "200",
  HERALD_PONG_TIMEOUT_MS: "300",
};

export interface Client {
  ws: WebSocket;
  messages: any[];
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves once open; rejects if the socket closes first. */
  opened: Promise<void>;
  /** The latest `presence` message. */
  presence(): any;
}

export function connect(herald: HeraldProcess, roomId: string, token: string): Client {
  const ws = new WebSocket(
    `${herald.url.replace("http", "ws")}/v1/rooms/${roomId}/connect?token=${encodeURIComponent(token)}`,
  );
  const messages: any[] = [];
  ws.onmessage = (event) => messages.push(JSON.parse(String(event.data)));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.addEventListener("close", (event) => resolve({ code: event.code, reason: event.reason }));
  });
  const opened = new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve());
    ws.addEventListener("close", (event) => reject(new Error(`closed before open: ${event.code}`)));
  });
  opened.catch(() => {});

  return {
    ws,
    messages,
    closed,
    opened,
    presence: () => messages.filter((m) => m.type === "presence").at(-1),
  };
}

export async function addUser(herald: HeraldProcess, roomId: string, userId: string, name = userId) {
  const room = await herald.api("GET", `/v1/rooms/${roomId}`);
  if (room.status === 404) expect((await herald.api("POST", "/v1/rooms", { id: roomId })).status).toBe(201);
  expect((await herald.api("POST", `/v1/rooms/${roomId}/users`, { id: userId, name })).status).toBe(201);
  const token = await herald.api("POST", `/v1/rooms/${roomId}/users/${userId}/tokens`, {});
  expect(token.status).toBe(201);

  return token.body.token as string;
}

/** The room's events, oldest first. */
export async function eventsOf(herald: HeraldProcess, roomId: string): Promise<any[]> {
  const response = await herald.api("GET", `/v1/events?roomId=${roomId}&limit=100`);
  expect(response.status).toBe(200);

  return (response.body.data as any[]).sort((a, b) => a.sequence - b.sequence);
}

export async function presenceEvents(herald: HeraldProcess, roomId: string) {
  return (await eventsOf(herald, roomId)).filter((e) => PRESENCE_TYPES.has(e.type));
}

/** Waits for an event of `type` in the room and returns the room's presence events. */
export async function waitForEvent(herald: HeraldProcess, roomId: string, type: string, count = 1) {
  return waitFor(
    async () => {
      const events = await presenceEvents(herald, roomId);
      return events.filter((e) => e.type === type).length >= count ? events : null;
    },
    { what: `${count} × ${type} in ${roomId}` },
  );
}

export function upgradeHeaders() {
  return {
    upgrade: "websocket",
    connection: "Upgrade",
    "sec-websocket-key": Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64"),
    "sec-websocket-version": "13",
  };
}

// Presence across restarts: what a killed or stopped process left open is
// closed at the next start with reason server_restart, and its events fired.

import { describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { startHerald } from "./harness";
import { addUser, connect, SHORT_TIMERS, waitForEvent } from "./presence-client";

describe("presence across restarts", () => {
  test("a process killed with a user connected is settled at the next start with server_restart", async () => {
    const before = await startHerald({ keepData: true, env: SHORT_TIMERS });
    const token = await addUser(before, "crash-room", "ada");
    const client = connect(before, "crash-room", token);
    await client.opened;
    await waitForEvent(before, "crash-room", "participant.joined");
    await before.kill();
    await client.closed;

    const after = await startHerald({ dataDir: before.dataDir, env: SHORT_TIMERS });
    try {
      const events = await waitForEvent(after, "crash-room", "session.closed");
      expect(events.map((e) => e.type)).toEqual([
        "session.started",
        "participant.joined",
        "participant.left",
        "session.closed",
      ]);
      expect(events[2].data).toMatchObject({ reason: "server_restart", participantCount: 0 });
      expect(events[2].data.user).toMatchObject({ id: "ada", online: false });
      expect(events[3].data).toMatchObject({ reason: "server_restart", peakParticipants: 1 });
      expect(events[3].data.sessionId).toBe(events[0].data.sessionId);

      const room = await after.api("GET", "/v1/rooms/crash-room");
      expect(room.body).toMatchObject({ participantCount: 0, activeSessionId: null });
      const sessions = await after.api("GET", "/v1/rooms/crash-room/sessions");
      expect(sessions.body.data[0]).toMatchObject({ reason: "server_restart" });
      expect(sessions.body.data[0].closedAt).toBeString();

      // The token secret lasts across restarts: the old token still works.
      const again = connect(after, "crash-room", token);
      await again.opened;
      again.ws.close();
    } finally {
      await after.stop();
      rmSync(before.dataDir, { recursive: true, force: true });
    }
  });

  test("SIGTERM closes sockets with 1001 and fires nothing until the next start settles them", async () => {
    const before = await startHerald({ keepData: true, env: SHORT_TIMERS });
    const token = await addUser(before, "calm-room", "ada");
    const client = connect(before, "calm-room", token);
    await client.opened;
    await waitForEvent(before, "calm-room", "participant.joined");
    expect(await before.stop()).toBe(0);
    expect((await client.closed).code).toBe(1001);

    const after = await startHerald({ dataDir: before.dataDir, env: SHORT_TIMERS });
    try {
      const events = await waitForEvent(after, "calm-room", "session.closed");
      expect(events.map((e) => `${e.type}:${e.data.reason ?? ""}`)).toEqual([
        "session.started:",
        "participant.joined:",
        "participant.left:server_restart",
        "session.closed:server_restart",
      ]);
    } finally {
      await after.stop();
      rmSync(before.dataDir, { recursive: true, force: true });
    }
  });
});

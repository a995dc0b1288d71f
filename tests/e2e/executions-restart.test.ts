// An execution that was running when the process died runs again after
// the restart: at least once, never zero times.

import { rmSync } from "node:fs";
import { expect, test } from "bun:test";
import { startHerald, startReceiver, waitFor } from "./harness";

test("an execution killed mid-run runs again after restart and finishes", async () => {
  let hold = true;
  const receiver = startReceiver(async () => {
    // The first call hangs until the process holding it is killed.
    while (hold) await Bun.sleep(20);
    return new Response("released");
  });
  const first = await startHerald({ keepData: true });
  try {
    const roomId = "restart-room";
    await first.api("POST", "/v1/rooms", { id: roomId });
    const made = await first.api("POST", "/v1/workflows", {
      name: "slow",
      source: `export default async (event, { env }) => (await fetch(env.URL)).text();`,
      events: ["app.slow"],
      allowedHosts: ["127.0.0.1"],
      secrets: { URL: `${receiver.url}/slow` },
      timeoutMs: 30000,
    });
    expect(made.status).toBe(201);
    await first.api("POST", "/v1/events", { type: "app.slow", roomId, data: {} });
    const running = await waitFor(async () => {
      const list = await first.api("GET", `/v1/workflows/${made.body.id}/executions?status=running`);
      return receiver.requests.length > 0 ? list.body.data[0] : null;
    }, { what: "the execution to be running" });
    await first.kill();

    hold = false;
    const second = await startHerald({ dataDir: first.dataDir });
    try {
      const done = await waitFor(async () => {
        const answer = await second.api("GET", `/v1/executions/${running.id}`);
        return answer.body.status === "success" ? answer.body : null;
      }, { what: "the execution to finish after restart" });
      expect(done.result).toBe("released");
      expect(receiver.requests.length).toBeGreaterThanOrEqual(2);
    } finally {
      await second.stop();
    }
  } finally {
    hold = false;
    receiver.stop();
    rmSync(first.dataDir, { recursive: true, force: true });
  }
});

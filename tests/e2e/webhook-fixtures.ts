// Steps the webhook and delivery tests share: a fresh room per test (so a
// test's webhooks see only its own events), a webhook, an app event.

import { expect } from "bun:test";
import type { HeraldProcess } from "./harness";

export function webhookFixtures(herald: () => HeraldProcess, roomPrefix: string) {
  let roomCount = 0;

  return {
    async newRoom(): Promise<string> {
      const id = `${roomPrefix}-${++roomCount}`;
      expect((await herald().api("POST", "/v1/rooms", { id })).status).toBe(201);
      return id;
    },
    async createHook(body: Record<string, unknown>) {
      const created = await herald().api("POST", "/v1/webhooks", body);
      expect(created.status).toBe(201);
      return created.body as { id: string; secret: string } & Record<string, any>;
    },
    async publish(roomId: string, type = "app.x", data: Record<string, unknown> = {}) {
      const published = await herald().api("POST", "/v1/events", { type, roomId, data });
      expect(published.status).toBe(201);
      return published.body as { id: string; type: string; timestamp: string };
    },
  };
}

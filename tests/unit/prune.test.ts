// Retention pruning against a real SQLite file.

import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../src/db/client";
import { deliveries, events } from "../../src/db/schema";
import { pruneOnce } from "../../src/jobs/prune";

const dir = mkdtempSync(join(tmpdir(), "herald-prune-"));
const { db, close } = openDatabase(dir);
afterAll(() => {
  close();
  rmSync(dir, { recursive: true, force: true });
});

const DAY = 86_400_000;
const now = Date.parse("2026-12-03T12:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();

function event(id: string, at: number) {
  db.insert(events)
    .values({ id, type: "app.x", roomId: "r", sequence: 1, timestamp: iso(at), payload: "{}" })
    .run();
}

function delivery(id: string, eventId: string, at: number, status: "pending" | "success" | "failed") {
  db.insert(deliveries)
    .values({ id, webhookId: "wh_1", eventId, eventType: "app.x", status, createdAt: iso(at), updatedAt: iso(at) })
    .run();
}

test("old finished records go, pending work and recent records stay", () => {
  event("evt_old", now - 40 * DAY);
  event("evt_old_pending", now - 40 * DAY);
  event("evt_new", now - DAY);
  delivery("dlv_old", "evt_old", now - 40 * DAY, "success");
  delivery("dlv_old_pending", "evt_old_pending", now - 40 * DAY, "pending");
  delivery("dlv_new", "evt_new", now - DAY, "failed");

  pruneOnce(db, 30, now);

  const leftEvents = db.select({ id: events.id }).from(events).all().map((r) => r.id).sort();
  const leftDeliveries = db.select({ id: deliveries.id }).from(deliveries).all().map((r) => r.id).sort();
  expect(leftEvents).toEqual(["evt_new", "evt_old_pending"]);
  expect(leftDeliveries).toEqual(["dlv_new", "dlv_old_pending"]);
});

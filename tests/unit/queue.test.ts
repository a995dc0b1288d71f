// The job table against a real SQLite file, migrated as the server does.

import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../src/db/client";
import { jobs } from "../../src/db/schema";
import * as queue from "../../src/jobs/queue";

const dir = mkdtempSync(join(tmpdir(), "herald-queue-"));
const { db, close } = openDatabase(dir);

afterAll(() => {
  close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  db.delete(jobs).run();
});

const T0 = 1_800_000_000_000;

function add(refId: string, runAt = T0, groupKey = "wh_a", kind: queue.JobKind = "deliver") {
  queue.enqueue(db, { kind, refId, groupKey, runAt });
}

describe("claim", () => {
  test("takes due jobs oldest first and leases them", () => {
    add("dlv_2", T0 + 5);
    add("dlv_1", T0);
    add("dlv_later", T0 + 60_000);

    const claimed = queue.claim(db, { kind: "deliver", now: T0 + 10, limit: 10, leaseMs: 1000 });

    expect(claimed.map((j) => j.refId)).toEqual(["dlv_1", "dlv_2"]);
    expect(claimed.every((j) => j.lockedUntil === T0 + 1010)).toBe(true);
  });

  test("never hands the same job to two claimers", () => {
    add("dlv_1");
    const first = queue.claim(db, { kind: "deliver", now: T0, limit: 10, leaseMs: 1000 });
    const second = queue.claim(db, { kind: "deliver", now: T0, limit: 10, leaseMs: 1000 });

    expect(first).toHaveLength(1);
    expect(second).toHaveLength(0);
  });

  test("respects the limit, the kind, and groups and refs to skip", () => {
    add("dlv_1", T0, "wh_busy");
    add("dlv_2", T0, "wh_free");
    add("dlv_3", T0, "wh_free");
    add("exe_1", T0, "wf_1", "execute");

    const claimed = queue.claim(db, {
      kind: "deliver",
      now: T0,
      limit: 5,
      leaseMs: 1000,
      skipGroups: ["wh_busy"],
      skipRefs: ["dlv_3"],
    });
    expect(claimed.map((j) => j.refId)).toEqual(["dlv_2"]);

    const one = queue.claim(db, { kind: "execute", now: T0, limit: 1, leaseMs: 1000 });
    expect(one.map((j) => j.refId)).toEqual(["exe_1"]);
  });

  test("takes no more of a group than its cap still allows, and fills up with other groups", () => {
    for (let i = 0; i < 5; i++) add(`dlv_a${i}`, T0 + i, "wh_a");
    add("dlv_b0", T0 + 10, "wh_b");
    add("dlv_b1", T0 + 11, "wh_b");

    const claimed = queue.claim(db, {
      kind: "deliver",
      now: T0 + 100,
      limit: 10,
      leaseMs: 1000,
      groupCap: 2,
      inFlight: { wh_a: 1 },
    });

    expect(claimed.map((j) => j.refId)).toEqual(["dlv_a0", "dlv_b0", "dlv_b1"]);
  });

  test("a limit of zero claims nothing", () => {
    add("dlv_1");
    expect(queue.claim(db, { kind: "deliver", now: T0, limit: 0, leaseMs: 1000 })).toEqual([]);
  });
});

describe("complete, reschedule, cancel", () => {
  test("complete removes the job", () => {
    add("dlv_1");
    const [job] = queue.claim(db, { kind: "deliver", now: T0, limit: 1, leaseMs: 1000 });
    queue.complete(db, job.id);

    expect(queue.depth(db)).toBe(0);
  });

  test("reschedule (a failed attempt) drops the lease and sets the next run time", () => {
    add("dlv_1");
    const [job] = queue.claim(db, { kind: "deliver", now: T0, limit: 1, leaseMs: 1000 });
    queue.reschedule(db, job.id, T0 + 5000);

    expect(queue.claim(db, { kind: "deliver", now: T0 + 4999, limit: 1, leaseMs: 1000 })).toEqual([]);
    expect(queue.nextDue(db, "deliver")).toBe(T0 + 5000);
    const again = queue.claim(db, { kind: "deliver", now: T0 + 5000, limit: 1, leaseMs: 1000 });
    expect(again.map((j) => j.refId)).toEqual(["dlv_1"]);
  });

  test("reschedule can mark the next attempt as manual", () => {
    add("dlv_1");
    const [job] = queue.claim(db, { kind: "deliver", now: T0, limit: 1, leaseMs: 1000 });
    queue.reschedule(db, job.id, T0, "manual");
    const [again] = queue.claim(db, { kind: "deliver", now: T0, limit: 1, leaseMs: 1000 });

    expect(again.trigger).toBe("manual");
  });

  test("cancel and cancelGroup drop the named work only", () => {
    add("dlv_1", T0, "wh_a");
    add("dlv_2", T0, "wh_b");
    add("dlv_3", T0, "wh_b");
    queue.cancel(db, ["dlv_1"]);
    expect(queue.depth(db)).toBe(2);
    queue.cancelGroup(db, "wh_b");
    expect(queue.depth(db)).toBe(0);
  });
});

describe("schedule and lease expiry", () => {
  test("nextDue is null when nothing waits and ignores claimed jobs", () => {
    expect(queue.nextDue(db, "deliver")).toBeNull();
    add("dlv_1", T0 + 100);
    expect(queue.nextDue(db, "deliver")).toBe(T0 + 100);
    queue.claim(db, { kind: "deliver", now: T0 + 100, limit: 1, leaseMs: 1000 });
    expect(queue.nextDue(db, "deliver")).toBeNull();
  });

  test("an expired lease makes the job due again at once", () => {
    add("dlv_1", T0);
    queue.claim(db, { kind: "deliver", now: T0, limit: 1, leaseMs: 1000 });

    expect(queue.releaseExpired(db, T0 + 999)).toBe(0);
    expect(queue.releaseExpired(db, T0 + 1001)).toBe(1);
    const again = queue.claim(db, { kind: "deliver", now: T0 + 1001, limit: 1, leaseMs: 1000 });
    expect(again.map((j) => j.refId)).toEqual(["dlv_1"]);
  });

  test("at start every lease is released, even one not yet expired", () => {
    add("dlv_1", T0);
    queue.claim(db, { kind: "deliver", now: T0, limit: 1, leaseMs: 60_000 });

    expect(queue.releaseExpired(db, T0 + 10, true)).toBe(1);
    expect(queue.claim(db, { kind: "deliver", now: T0 + 10, limit: 1, leaseMs: 1000 })).toHaveLength(1);
  });

  test("the queue survives closing and reopening the database file", () => {
    add("dlv_persisted", T0);
    const reopened = openDatabase(dir);
    const claimed = queue.claim(reopened.db, { kind: "deliver", now: T0, limit: 1, leaseMs: 1000 });
    expect(claimed.map((j) => j.refId)).toEqual(["dlv_persisted"]);
    reopened.sqlite.close();
  });
});

// Retention: events, deliveries with their attempts, and executions older
// than HERALD_RETENTION_DAYS are deleted on a timer. Pending work is kept
// whatever its age, so pruning never loses a delivery still being retried.

import { and, inArray, lt, ne, notInArray } from "drizzle-orm";
import type { Db } from "../db/client";
import { attempts, deliveries, events, executions, idempotencyKeys } from "../db/schema";
import { log } from "../log";

const EVERY_MS = 60 * 60 * 1000;
const IDEMPOTENCY_MS = 24 * 60 * 60 * 1000;

export function pruneOnce(db: Db, retentionDays: number, now = Date.now()): number {
  const cutoff = new Date(now - retentionDays * 86_400_000).toISOString();
  let removed = 0;
  db.transaction((tx) => {
    const oldDeliveries = tx
      .select({ id: deliveries.id })
      .from(deliveries)
      .where(and(lt(deliveries.createdAt, cutoff), ne(deliveries.status, "pending")));
    tx.delete(attempts).where(inArray(attempts.deliveryId, oldDeliveries)).run();
    removed += changes(tx.delete(deliveries).where(and(lt(deliveries.createdAt, cutoff), ne(deliveries.status, "pending"))).run());
    removed += changes(
      tx.delete(executions)
        .where(and(lt(executions.createdAt, cutoff), notInArray(executions.status, ["pending", "running"])))
        .run(),
    );
    const stillNeeded = tx.select({ id: deliveries.eventId }).from(deliveries);
    removed += changes(
      tx.delete(events).where(and(lt(events.timestamp, cutoff), notInArray(events.id, stillNeeded))).run(),
    );
    tx.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, now - IDEMPOTENCY_MS)).run();
  });

  return removed;
}

function changes(result: unknown): number {
  return (result as { changes?: number }).changes ?? 0;
}

/** Prunes now and then every hour; returns a function that stops it. */
export function startPruning(db: Db, retentionDays: number): () => void {
  const run = () => {
    try {
      const removed = pruneOnce(db, retentionDays);
      if (removed > 0) log.info("old records pruned", { removed, retentionDays });
    } catch (error) {
      log.error("pruning failed", { error: String(error) });
    }
  };
  run();
  const timer = setInterval(run, EVERY_MS);
  timer.unref?.();

  return () => clearInterval(timer);
}

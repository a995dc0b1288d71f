// Runs one execution to its end: pending → running → success, failed or
// timeout. Used by the job handler (src/jobs/handlers/run-workflow.ts)
// and by a workflow's test route. The execution runs the version of the
// source recorded on it, with the workflow's current settings (timeout,
// hosts, secrets, permissions). An execution that was `running` when the
// process died runs again: at least once, never zero times.

import { and, eq } from "drizzle-orm";
import type { Herald } from "../../context";
import { events, executions, workflows, workflowVersions } from "../../db/schema";
import type { Envelope } from "../../events/envelope";
import { nowIso } from "../../ids";
import { log } from "../../log";
import { sandboxOf } from "../../sandbox";
import { makeBindingServer } from "../../sandbox/bindings";
import { decodeCompiled } from "../../sandbox/compile";
import { executionError, type ExecutionError } from "../../sandbox/stack";
import { openSecrets } from "../workflows/service";
import type { ExecutionRow } from "./model";

type Finish = Pick<ExecutionRow, "status" | "logs" | "error" | "result" | "fetches">;

function finish(herald: Herald, id: string, startedAt: string, started: number, outcome: Finish): void {
  herald.db
    .update(executions)
    .set({ ...outcome, startedAt, finishedAt: nowIso(), durationMs: Math.round(performance.now() - started) })
    .where(eq(executions.id, id))
    .run();
}

const failure = (name: string, message: string): string => JSON.stringify({ name, message, stack: `${name}: ${message}` });

/** Runs the execution if it still waits; returns once its record is final. */
export async function runExecution(herald: Herald, executionId: string): Promise<void> {
  const { db } = herald;
  const row = db.select().from(executions).where(eq(executions.id, executionId)).get();
  if (!row || (row.status !== "pending" && row.status !== "running")) return;
  const flow = db.select().from(workflows).where(eq(workflows.id, row.workflowId)).get();
  // A deleted workflow takes its executions with it; nothing is left to run.
  if (!flow) return;

  const startedAt = nowIso();
  const started = performance.now();
  const version = db
    .select({ compiled: workflowVersions.compiled })
    .from(workflowVersions)
    .where(and(eq(workflowVersions.workflowId, flow.id), eq(workflowVersions.version, row.workflowVersion)))
    .get();
  const payload = row.payload ?? db.select({ payload: events.payload }).from(events).where(eq(events.id, row.eventId)).get()?.payload;
  if (!version || !payload) {
    const what = !version ? `version ${row.workflowVersion} of the workflow` : "the event";
    finish(herald, row.id, startedAt, started, {
      status: "failed",
      logs: "[]",
      fetches: "[]",
      result: null,
      error: failure("Error", `Nothing to run: ${what} is no longer stored.`),
    });
    return;
  }

  db.update(executions).set({ status: "running", startedAt }).where(eq(executions.id, row.id)).run();
  const event = JSON.parse(payload) as Envelope;
  const compiled = decodeCompiled(version.compiled);
  const permissions = JSON.parse(flow.permissions) as string[];
  const controller = new AbortController();
  const server = makeBindingServer(herald, {
    roomId: event.roomId,
    permissions,
    allowedHosts: JSON.parse(flow.allowedHosts),
    signal: controller.signal,
  });

  let env: Record<string, string>;
  try {
    env = openSecrets(herald, flow);
  } catch (error) {
    log.error("workflow secrets cannot be opened", { workflowId: flow.id, executionId: row.id, error: String(error) });
    finish(herald, row.id, startedAt, started, {
      status: "failed",
      logs: "[]",
      fetches: "[]",
      result: null,
      error: failure("Error", "The workflow's secrets cannot be read on this server; see the server log."),
    });
    return;
  }

  let report;
  try {
    report = await sandboxOf(herald).run(
      { script: compiled.script, mappings: compiled.mappings, event, env, permissions },
      { timeoutMs: flow.timeoutMs, serve: server.serve },
    );
  } finally {
    controller.abort();
  }

  let error: ExecutionError | null = null;
  if (report.status === "failed") error = executionError(report.error);
  if (report.status === "timeout") {
    const message = `The execution ran past its limit of ${report.timeoutMs} ms and was stopped.`;
    error = { name: "TimeoutError", message, stack: `TimeoutError: ${message}` };
  }
  finish(herald, row.id, startedAt, started, {
    status: report.status,
    logs: JSON.stringify(report.logs),
    fetches: JSON.stringify(server.fetches),
    result: report.status === "success" ? report.result : null,
    error: error ? JSON.stringify(error) : null,
  });
  log.debug("workflow execution finished", {
    workflowId: flow.id,
    executionId: row.id,
    status: report.status,
    durationMs: Math.round(performance.now() - started),
  });
}

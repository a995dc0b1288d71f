// Workflows: saved with their compiled form, listed, read, changed (a new
// source is a new version, kept in workflow_versions) and deleted.
// Secrets are sealed with the secret box (encrypted at rest when
// HERALD_SECRET_KEY is set) and never read back through the API.

import { and, desc, eq, inArray, lt } from "drizzle-orm";
import type { Herald } from "../../context";
import { executions, workflows, workflowVersions } from "../../db/schema";
import { secretBox } from "../../delivery/secret-box";
import { type ErrorDetail, HeraldError, notFound } from "../../http/errors";
import { after, decodeCursor, newestFirst, type Page, toPage } from "../../http/pagination";
import { newId, nowIso } from "../../ids";
import { cancel } from "../../jobs/queue";
import { CompileError, compile, encodeCompiled } from "../../sandbox/compile";
import { checkHosts } from "./hosts";
import { checkEvents, checkSecrets, SOURCE_LIMIT_BYTES } from "./model";

export type WorkflowRow = typeof workflows.$inferSelect;

export interface Workflow {
  id: string;
  name: string;
  source: string;
  version: number;
  events: string[];
  roomId: string | null;
  enabled: boolean;
  timeoutMs: number;
  allowedHosts: string[];
  secrets: string[];
  permissions: string[];
  createdAt: string;
  updatedAt: string;
}

export interface WorkflowInput {
  name?: string;
  source?: string;
  events?: string[];
  roomId?: string | null;
  enabled?: boolean;
  timeoutMs?: number;
  allowedHosts?: string[];
  secrets?: Record<string, string | null>;
  permissions?: string[];
}

const DEFAULT_TIMEOUT_MS = 10_000;

export function toWorkflow(row: WorkflowRow): Workflow {
  return {
    id: row.id,
    name: row.name,
    source: row.source,
    version: row.version,
    events: JSON.parse(row.events),
    roomId: row.roomId,
    enabled: row.enabled,
    timeoutMs: row.timeoutMs,
    allowedHosts: JSON.parse(row.allowedHosts),
    secrets: Object.keys(JSON.parse(row.secrets)).sort(),
    permissions: JSON.parse(row.permissions),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function workflowRow(herald: Herald, id: string): WorkflowRow {
  const row = herald.db.select().from(workflows).where(eq(workflows.id, id)).get();
  if (!row) throw notFound(`Workflow ${id}`);

  return row;
}

/** Compiles a source; a source that does not parse is a 422 naming line and column. */
async function compileSource(source: string): Promise<string> {
  const size = Buffer.byteLength(source);
  if (size > SOURCE_LIMIT_BYTES) {
    throw new HeraldError("validation_failed", `source: must be at most ${SOURCE_LIMIT_BYTES} bytes; this one is ${size}.`, [
      { field: "source", message: `must be at most ${SOURCE_LIMIT_BYTES} bytes` },
    ]);
  }
  try {
    return encodeCompiled(await compile(source));
  } catch (error) {
    if (!(error instanceof CompileError)) throw error;
    // The detail carries the position too, for editors to put a marker on.
    const at = error.line !== null ? { line: error.line, column: error.column ?? 0 } : {};
    const detail = { field: "source", message: error.message, ...at };
    throw new HeraldError("validation_failed", error.message, [detail as ErrorDetail]);
  }
}

/** Secrets as stored: NAME → sealed value, bound to the workflow and the name. */
function sealSecrets(
  herald: Herald,
  workflowId: string,
  stored: Record<string, string>,
  changes: Record<string, string | null>,
): Record<string, string> {
  const box = secretBox(herald.config.secretKey);
  // No prototype: every name is an ordinary key, whatever it is.
  const next: Record<string, string> = Object.assign(Object.create(null), stored);
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) delete next[name];
    else next[name] = box.seal(value, `${workflowId}:${name}`);
  }

  return next;
}

/** The secrets in the clear, for the execution's `env` only. */
export function openSecrets(herald: Herald, row: WorkflowRow): Record<string, string> {
  const box = secretBox(herald.config.secretKey);
  const env: Record<string, string> = Object.create(null);
  for (const [name, sealed] of Object.entries(JSON.parse(row.secrets) as Record<string, string>)) {
    env[name] = box.open(sealed, `${row.id}:${name}`);
  }

  return env;
}

export async function createWorkflow(herald: Herald, input: WorkflowInput & { name: string; source: string }): Promise<Workflow> {
  const events = checkEvents(input.events);
  const allowedHosts = checkHosts(input.allowedHosts);
  checkSecrets(input.secrets);
  const compiled = await compileSource(input.source);

  const id = newId("wf");
  const at = nowIso();
  const row: WorkflowRow = {
    id,
    name: input.name,
    source: input.source,
    compiled,
    version: 1,
    events: JSON.stringify(events),
    roomId: input.roomId ?? null,
    enabled: input.enabled ?? true,
    timeoutMs: input.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    allowedHosts: JSON.stringify(allowedHosts),
    secrets: JSON.stringify(sealSecrets(herald, id, {}, input.secrets ?? {})),
    permissions: JSON.stringify([...new Set(input.permissions ?? [])]),
    createdAt: at,
    updatedAt: at,
  };
  herald.db.transaction((tx) => {
    tx.insert(workflows).values(row).run();
    tx.insert(workflowVersions).values({ workflowId: id, version: 1, source: row.source, compiled, createdAt: at }).run();
  });

  return toWorkflow(row);
}

export function listWorkflows(herald: Herald, query: { limit?: number; cursor?: string }): Page<Workflow> {
  const limit = query.limit ?? 20;
  const rows = herald.db
    .select()
    .from(workflows)
    .where(after(decodeCursor(query.cursor), workflows.createdAt, workflows.id))
    .orderBy(...newestFirst(workflows.createdAt, workflows.id))
    .limit(limit + 1)
    .all();

  return toPage(rows, limit, (row) => [row.createdAt, row.id], toWorkflow);
}

export async function updateWorkflow(herald: Herald, id: string, input: WorkflowInput): Promise<Workflow> {
  const before = workflowRow(herald, id);
  const events = input.events === undefined ? undefined : checkEvents(input.events);
  const allowedHosts = input.allowedHosts === undefined ? undefined : checkHosts(input.allowedHosts);
  checkSecrets(input.secrets);
  const newSource = input.source !== undefined && input.source !== before.source ? input.source : undefined;
  const compiled = newSource === undefined ? undefined : await compileSource(newSource);

  const at = nowIso();
  return herald.db.transaction((tx) => {
    // Read again inside the transaction: a concurrent update may have
    // made a version while this one compiled.
    const row = tx.select().from(workflows).where(eq(workflows.id, id)).get();
    if (!row) throw notFound(`Workflow ${id}`);
    const next: WorkflowRow = {
      ...row,
      name: input.name ?? row.name,
      events: events === undefined ? row.events : JSON.stringify(events),
      roomId: input.roomId === undefined ? row.roomId : input.roomId,
      enabled: input.enabled ?? row.enabled,
      timeoutMs: input.timeoutMs ?? row.timeoutMs,
      allowedHosts: allowedHosts === undefined ? row.allowedHosts : JSON.stringify(allowedHosts),
      secrets: input.secrets === undefined ? row.secrets : JSON.stringify(sealSecrets(herald, id, JSON.parse(row.secrets), input.secrets)),
      permissions: input.permissions === undefined ? row.permissions : JSON.stringify([...new Set(input.permissions)]),
      updatedAt: at,
    };
    if (newSource !== undefined && compiled !== undefined) {
      next.source = newSource;
      next.compiled = compiled;
      next.version = row.version + 1;
      tx.insert(workflowVersions)
        .values({ workflowId: id, version: next.version, source: newSource, compiled, createdAt: at })
        .run();
    }
    tx.update(workflows).set(next).where(eq(workflows.id, id)).run();

    return toWorkflow(next);
  });
}

export function setEnabled(herald: Herald, id: string, enabled: boolean): Workflow {
  const row = workflowRow(herald, id);
  if (row.enabled === enabled) return toWorkflow(row);
  const updatedAt = nowIso();
  herald.db.update(workflows).set({ enabled, updatedAt }).where(eq(workflows.id, id)).run();

  return toWorkflow({ ...row, enabled, updatedAt });
}

/**
 * Removes the workflow with its versions and execution log; executions
 * not yet run are cancelled (their jobs dropped) in the same transaction.
 * One running now finishes, and its record goes with the rest.
 */
export function deleteWorkflow(herald: Herald, id: string): void {
  workflowRow(herald, id);
  herald.db.transaction((tx) => {
    const pending = tx
      .select({ id: executions.id })
      .from(executions)
      .where(and(eq(executions.workflowId, id), inArray(executions.status, ["pending", "running"])))
      .all()
      .map((row) => row.id);
    cancel(tx, pending);
    tx.delete(executions).where(eq(executions.workflowId, id)).run();
    tx.delete(workflowVersions).where(eq(workflowVersions.workflowId, id)).run();
    tx.delete(workflows).where(eq(workflows.id, id)).run();
  });
}

export function listVersions(herald: Herald, id: string, query: { limit?: number; cursor?: string }) {
  workflowRow(herald, id);
  const limit = query.limit ?? 20;
  const from = decodeCursor(query.cursor);
  const rows = herald.db
    .select({ version: workflowVersions.version, source: workflowVersions.source, createdAt: workflowVersions.createdAt })
    .from(workflowVersions)
    .where(and(eq(workflowVersions.workflowId, id), from ? lt(workflowVersions.version, Number(from.at)) : undefined))
    .orderBy(desc(workflowVersions.version))
    .limit(limit + 1)
    .all();

  return toPage(rows, limit, (row) => [row.version, id], (row) => row);
}

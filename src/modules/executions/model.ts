// The shape of an execution on the wire: one workflow run for one event,
// with its console lines, error, result and the fetches it made.

import { type Static, t } from "elysia";
import type { executions } from "../../db/schema";

export type ExecutionRow = typeof executions.$inferSelect;
export type ExecutionStatus = ExecutionRow["status"];


const Status = t.Union([
  t.Literal("pending"),
  t.Literal("running"),
  t.Literal("success"),
  t.Literal("failed"),
  t.Literal("timeout"),
]);

export const ExecutionParams = t.Object({ id: t.String({ maxLength: 128, description: "The execution's id, `exe_…`." }) });

export const ExecutionListQuery = t.Object({
  status: t.Optional(t.Union(Status.anyOf, { description: "Only executions with this status." })),
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 100, default: 20, description: "Items per page, 1 to 100." })),
  cursor: t.Optional(t.String({ maxLength: 512, description: "The `nextCursor` of the previous page." })),
});

const LogLine = t.Object({
  level: t.Union([t.Literal("log"), t.Literal("info"), t.Literal("warn"), t.Literal("error"), t.Literal("debug")]),
  message: t.String(),
  at: t.String({ format: "date-time" }),
});

const FetchLine = t.Object({
  method: t.String(),
  url: t.String(),
  status: t.Integer({ description: "0 when no answer came: refused, or the connection failed." }),
  durationMs: t.Integer(),
  error: t.Optional(t.String({ description: "Why the call was refused or failed." })),
});

export const ExecutionSchema = t.Object({
  id: t.String(),
  workflowId: t.String(),
  workflowVersion: t.Integer({ description: "The version of the source this execution runs." }),
  eventId: t.String(),
  eventType: t.String(),
  roomId: t.String(),
  status: Status,
  startedAt: t.Union([t.String({ format: "date-time" }), t.Null()]),
  finishedAt: t.Union([t.String({ format: "date-time" }), t.Null()]),
  durationMs: t.Union([t.Integer(), t.Null()]),
  logs: t.Array(LogLine, { description: "Console output, at most 64 KiB, then a `…truncated` line." }),
  error: t.Union([
    t.Object({
      name: t.String(),
      message: t.String(),
      stack: t.String({ description: "Frames inside the workflow only, each `workflow:<line>:<column>` of the source as written." }),
    }),
    t.Null(),
  ]),
  result: t.Unknown({ description: "What the handler returned (JSON), or null." }),
  fetches: t.Array(FetchLine),
  test: t.Boolean({ description: "Run by POST /v1/workflows/:id/test; its event is not in the log." }),
  createdAt: t.String({ format: "date-time" }),
});

export const ExecutionPage = t.Object({ data: t.Array(ExecutionSchema), nextCursor: t.Union([t.String(), t.Null()]) });

export type Execution = Static<typeof ExecutionSchema>;

export function toExecution(row: ExecutionRow): Execution {
  return {
    id: row.id,
    workflowId: row.workflowId,
    workflowVersion: row.workflowVersion,
    eventId: row.eventId,
    eventType: row.eventType,
    roomId: row.roomId,
    status: row.status,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    durationMs: row.durationMs,
    logs: JSON.parse(row.logs),
    error: row.error ? JSON.parse(row.error) : null,
    result: row.result === null ? null : JSON.parse(row.result),
    fetches: JSON.parse(row.fetches),
    test: row.test,
    createdAt: row.createdAt,
  };
}

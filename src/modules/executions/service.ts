// Reading executions: one by id, or a workflow's, newest first.

import { and, eq } from "drizzle-orm";
import type { Herald } from "../../context";
import { executions } from "../../db/schema";
import { notFound } from "../../http/errors";
import { after, decodeCursor, newestFirst, type Page, toPage } from "../../http/pagination";
import { type Execution, type ExecutionStatus, toExecution } from "./model";

export function getExecution(herald: Herald, id: string): Execution {
  const row = herald.db.select().from(executions).where(eq(executions.id, id)).get();
  if (!row) throw notFound(`Execution ${id}`);

  return toExecution(row);
}

export function listExecutions(
  herald: Herald,
  workflowId: string,
  query: { status?: ExecutionStatus; limit?: number; cursor?: string },
): Page<Execution> {
  const limit = query.limit ?? 20;
  const rows = herald.db
    .select()
    .from(executions)
    .where(
      and(
        eq(executions.workflowId, workflowId),
        query.status ? eq(executions.status, query.status) : undefined,
        after(decodeCursor(query.cursor), executions.createdAt, executions.id),
      ),
    )
    .orderBy(...newestFirst(executions.createdAt, executions.id))
    .limit(limit + 1)
    .all();

  return toPage(rows, limit, (row) => [row.createdAt, row.id], toExecution);
}

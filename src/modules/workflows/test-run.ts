// POST /v1/workflows/:id/test: runs the workflow now on an event the
// caller describes, enabled or not, and answers the finished execution.
// The event is not stored in the event log and nothing else sees it; its
// envelope is kept on the execution (`payload`) instead. A test takes no
// sequence number from the room, so its `sequence` is 0.

import type { Herald } from "../../context";
import { executions } from "../../db/schema";
import type { Envelope } from "../../events/envelope";
import { isKnownType } from "../../events/catalog";
import { invalid } from "../../http/errors";
import { newId, nowIso } from "../../ids";
import { runExecution } from "../executions/execute";
import type { Execution } from "../executions/model";
import { getExecution } from "../executions/service";
import { workflowRow } from "./service";

export interface TestEvent {
  type: string;
  roomId: string;
  data: Record<string, unknown>;
}

export async function testWorkflow(herald: Herald, workflowId: string, input: TestEvent): Promise<Execution> {
  const flow = workflowRow(herald, workflowId);
  if (!isKnownType(input.type)) {
    throw invalid("event.type", `"${input.type}" is not a known event type; use a built-in type or app.… for your own.`);
  }
  const at = nowIso();
  const envelope: Envelope = { id: newId("evt"), type: input.type, timestamp: at, roomId: input.roomId, sequence: 0, data: input.data };
  const id = newId("exe");
  herald.db
    .insert(executions)
    .values({
      id,
      workflowId: flow.id,
      workflowVersion: flow.version,
      eventId: envelope.id,
      eventType: envelope.type,
      roomId: envelope.roomId,
      status: "pending",
      test: true,
      payload: JSON.stringify(envelope),
      createdAt: at,
    })
    .run();
  await runExecution(herald, id);

  return getExecution(herald, id);
}

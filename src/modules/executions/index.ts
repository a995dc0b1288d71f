// Routes for executions: one run of a workflow, read by id. A workflow's
// executions are listed under /v1/workflows/:id/executions.

import { Elysia } from "elysia";
import type { Herald } from "../../context";
import { ExecutionParams, ExecutionSchema } from "./model";
import { getExecution } from "./service";

export function executionsModule(herald: Herald) {
  return new Elysia({ name: "herald/executions", prefix: "/v1/executions" }).get(
    "/:id",
    ({ params }) => getExecution(herald, params.id),
    {
      params: ExecutionParams,
      response: ExecutionSchema,
      detail: {
        summary: "Get an execution",
        description:
          "One workflow run: status (pending, running, success, failed, timeout), timing, console lines, the error with frames in the workflow's own source (`workflow:<line>:<column>`), the result and the fetches it made.",
        tags: ["Workflows"],
      },
    },
  );
}

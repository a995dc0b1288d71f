// Routes for workflows: JavaScript or TypeScript handlers that run in the
// sandbox for each matching event. Executions are read here per workflow
// and by id in the executions module.

import { Elysia } from "elysia";
import type { Herald } from "../../context";
import { ExecutionListQuery, ExecutionPage, ExecutionSchema } from "../executions/model";
import { listExecutions } from "../executions/service";
import {
  CreateWorkflowBody,
  ListQuery,
  TestWorkflowBody,
  UpdateWorkflowBody,
  VersionPage,
  WorkflowPage,
  WorkflowParams,
  WorkflowSchema,
} from "./model";
import {
  createWorkflow,
  deleteWorkflow,
  listVersions,
  listWorkflows,
  setEnabled,
  toWorkflow,
  updateWorkflow,
  workflowRow,
} from "./service";
import { testWorkflow } from "./test-run";

const tags = ["Workflows"];

export function workflowsModule(herald: Herald) {
  return new Elysia({ name: "herald/workflows", prefix: "/v1/workflows" })
    .post(
      "",
      async ({ body, set }) => {
        const workflow = await createWorkflow(herald, body);
        set.status = 201;
        return workflow;
      },
      {
        body: CreateWorkflowBody,
        response: { 201: WorkflowSchema },
        detail: {
          summary: "Create a workflow",
          description:
            "The source is JavaScript or TypeScript whose default export is the handler `(event, { store, room, files, env })`. It is compiled now: a source that does not parse is a 422 whose detail gives `line` and `column`. Imports are refused.",
          tags,
        },
      },
    )
    .get("", ({ query }) => listWorkflows(herald, query), {
      query: ListQuery,
      response: WorkflowPage,
      detail: { summary: "List workflows", description: "Newest first, paginated with `cursor`.", tags },
    })
    .get("/:id", ({ params }) => toWorkflow(workflowRow(herald, params.id)), {
      params: WorkflowParams,
      response: WorkflowSchema,
      detail: { summary: "Get a workflow", description: "With its current `version`; `secrets` lists names only.", tags },
    })
    .patch("/:id", ({ params, body }) => updateWorkflow(herald, params.id, body), {
      params: WorkflowParams,
      body: UpdateWorkflowBody,
      response: WorkflowSchema,
      detail: {
        summary: "Update a workflow",
        description:
          "Any create field. A changed `source` makes a new `version`; executions already queued keep the version they were recorded with. `secrets` is merged: null removes a name.",
        tags,
      },
    })
    .delete(
      "/:id",
      ({ params, set }) => {
        deleteWorkflow(herald, params.id);
        set.status = 204;
      },
      {
        params: WorkflowParams,
        detail: {
          summary: "Delete a workflow",
          description: "Removes the workflow, its versions and its execution log; executions not yet run are cancelled.",
          tags,
        },
      },
    )
    .get("/:id/versions", ({ params, query }) => listVersions(herald, params.id, query), {
      params: WorkflowParams,
      query: ListQuery,
      response: VersionPage,
      detail: { summary: "List a workflow's versions", description: "Each source as written, newest first.", tags },
    })
    .post("/:id/enable", ({ params }) => setEnabled(herald, params.id, true), {
      params: WorkflowParams,
      response: WorkflowSchema,
      detail: { summary: "Enable a workflow", description: "Events stored from now on run it.", tags },
    })
    .post("/:id/disable", ({ params }) => setEnabled(herald, params.id, false), {
      params: WorkflowParams,
      response: WorkflowSchema,
      detail: {
        summary: "Disable a workflow",
        description: "Events that arrive while it is disabled record no execution, and none runs later.",
        tags,
      },
    })
    .post("/:id/test", ({ params, body }) => testWorkflow(herald, params.id, body.event), {
      params: WorkflowParams,
      body: TestWorkflowBody,
      response: ExecutionSchema,
      detail: {
        summary: "Test a workflow",
        description:
          "Runs the workflow now on the given event, enabled or not, waits for the end and answers the execution (`test: true`) whatever its status. The event is not stored in the log; Herald fills in its id and timestamp, and `sequence` is 0.",
        tags,
      },
    })
    .get(
      "/:id/executions",
      ({ params, query }) => {
        workflowRow(herald, params.id);
        return listExecutions(herald, params.id, query);
      },
      {
        params: WorkflowParams,
        query: ExecutionListQuery,
        response: ExecutionPage,
        detail: { summary: "List a workflow's executions", description: "Newest first, whole executions; `status` filters.", tags },
      },
    );
}

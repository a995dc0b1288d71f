// The job handler for workflow executions: runs the execution named by
// the job's refId to its end. An execution is never retried: whatever its
// outcome (success, failed, timeout) the job is done. Only a sandbox that
// is stopping (SandboxStopped) throws out of here, so the runner keeps the
// job and the execution runs again after the restart.

import type { Herald } from "../../context";
import { runExecution } from "../../modules/executions/execute";
import type { Job } from "../queue";
import type { Outcome } from "../runner";

export function makeRunWorkflowHandler(herald: Herald) {
  return async function runWorkflow(job: Job): Promise<Outcome> {
    await runExecution(herald, job.refId);

    return { done: true };
  };
}

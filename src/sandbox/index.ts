// The sandbox's host side: a pool of SES workers that run workflow code
// (pool.ts), the bindings they are served (bindings.ts, fetch.ts), the
// compile step run when a workflow is saved (compile.ts) and the mapping
// of errors back to the source (stack.ts). main.ts calls startSandbox()
// once; modules reach the pool with sandboxOf().

import type { Herald } from "../context";
import { SandboxPool } from "./pool";

export { SandboxPool, SandboxStopped, type RunReport } from "./pool";

export async function startSandbox(herald: Herald) {
  const pool = new SandboxPool(
    herald.config.workflowConcurrency,
    undefined,
    herald.config.sandboxCeilingMb * 1024 * 1024,
  );
  herald.services.sandbox = pool;

  return {
    pool,
    async stop() {
      await pool.stop();
    },
  };
}

export function sandboxOf(herald: Herald): SandboxPool {
  const pool = herald.services.sandbox;
  if (!(pool instanceof SandboxPool)) {
    throw new Error("The sandbox is not started: call startSandbox(herald) before running workflows.");
  }

  return pool;
}

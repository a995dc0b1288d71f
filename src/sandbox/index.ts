// Placeholder sandbox pool until the real one lands.
import type { Herald } from "../context";

export async function startSandbox(_herald: Herald) {
  return { async stop() {} };
}

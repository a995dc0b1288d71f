// Placeholder: replaced by the real workflow execution handler.
import type { Herald } from "../../context";
import type { Outcome } from "../runner";

export function makeRunWorkflowHandler(_herald: Herald) {
  return async (): Promise<Outcome> => ({ done: true });
}

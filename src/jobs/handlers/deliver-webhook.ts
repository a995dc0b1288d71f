// Placeholder: marks nothing; replaced by the real delivery handler.
import type { Herald } from "../../context";
import type { Outcome } from "../runner";

export function makeDeliverHandler(_herald: Herald) {
  return async (): Promise<Outcome> => ({ done: true });
}

// Placeholder until the module is written; it registers no routes yet.
import { Elysia } from "elysia";
import type { Herald } from "../../context";

export function workflowsModule(_herald: Herald) {
  return new Elysia({ name: "herald/workflows" });
}

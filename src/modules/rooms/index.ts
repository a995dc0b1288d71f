// Placeholder until the module is written; it registers no routes yet.
import { Elysia } from "elysia";
import type { Herald } from "../../context";

export function roomsModule(_herald: Herald) {
  return new Elysia({ name: "herald/rooms" });
}

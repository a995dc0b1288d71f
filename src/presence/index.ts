// Placeholder presence service until the real one lands.
import type { Herald } from "../context";

export function startPresence(_herald: Herald) {
  return { recover() {}, shutdown() {} };
}

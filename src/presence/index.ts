// Presence: the live state of who is connected where (hub.ts), the client
// tokens that admit them (tokens.ts), restart recovery (recover.ts) and the
// rows and events each change writes (records.ts). startPresence() is
// called once by main.ts; the HTTP modules reach the hub with presenceOf().

import type { Herald } from "../context";
import { PresenceHub } from "./hub";
import { recoverPresence } from "./recover";
import { loadTokenSecret } from "./tokens";

export { PresenceHub } from "./hub";
export { MAX_CLIENT_MESSAGE_BYTES } from "./state";

export function startPresence(herald: Herald) {
  const hub = new PresenceHub(herald, loadTokenSecret(herald.config.dataDir));
  herald.services.presence = hub;

  return {
    /** Closes what a previous process left open, then starts the pings. */
    recover() {
      recoverPresence(herald);
      hub.start();
    },
    /** Closes every socket (1001) without firing events. */
    shutdown() {
      hub.shutdown();
    },
  };
}

export function presenceOf(herald: Herald): PresenceHub {
  const hub = herald.services.presence;
  if (!(hub instanceof PresenceHub)) {
    throw new Error("Presence is not started: call startPresence(herald) before building the app.");
  }

  return hub;
}

// What the HTTP modules are built with: the services main.ts makes once at
// start. Modules take what they need from here; nothing here listens.

import type { Database } from "bun:sqlite";
import type { Config } from "./config";
import type { Db } from "./db/client";
import type { EventRecorder } from "./events/recorder";
import type { JobRunner } from "./jobs/runner";

export interface Herald {
  config: Readonly<Config>;
  db: Db;
  sqlite: Database;
  events: EventRecorder;
  /** Set once the runner exists; modules call runner.nudge() after queueing work. */
  runner: JobRunner;
  /** Filled in by the presence and sandbox services at start. */
  services: Record<string, unknown>;
  version: string;
  /** False while starting and once shutting down. */
  ready: boolean;
}

// Herald's entry point: config → database → first API key → event recorder
// → sandbox pool → presence → job runner → listen. SIGTERM stops taking
// requests, lets work in flight finish (up to 10 s), closes WebSockets,
// checkpoints the database and exits 0.

import { createApp } from "./app";
import { ConfigError, loadConfig } from "./config";
import type { Herald } from "./context";
import { openDatabase } from "./db/client";
import { EventRecorder } from "./events/recorder";
import { JobRunner } from "./jobs/runner";
import { makeDeliverHandler } from "./jobs/handlers/deliver-webhook";
import { makeRunWorkflowHandler } from "./jobs/handlers/run-workflow";
import { startPruning } from "./jobs/prune";
import { log, setLogLevel } from "./log";
import { ensureFirstApiKey } from "./modules/api-keys/service";
import { closeEventStreams } from "./modules/events/stream";
import { MAX_CLIENT_MESSAGE_BYTES, startPresence } from "./presence";
import { startSandbox } from "./sandbox";
import pkg from "../package.json";

const SHUTDOWN_GRACE_MS = 10_000;

/** A start-up step whose failure stops the start with one clear line. */
function startOrExit<T>(step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Herald cannot start: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}

function reason(error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);

  return code && !message.includes(code) ? `${message} (${code})` : message;
}

async function main(): Promise<void> {
  if (process.argv.includes("--version")) {
    console.log(pkg.version);
    return;
  }

  const config = startOrExit(() => loadConfig());
  setLogLevel(config.logLevel);

  const { db, sqlite, close } = startOrExit(() => {
    try {
      return openDatabase(config.dataDir);
    } catch (error) {
      throw new ConfigError("HERALD_DATA_DIR", `cannot open the database in ${config.dataDir}: ${reason(error)}`);
    }
  });
  const events = new EventRecorder(db);
  const herald: Herald = {
    config,
    db,
    sqlite,
    events,
    runner: undefined as unknown as JobRunner,
    services: {},
    version: pkg.version,
    ready: false,
  };
  ensureFirstApiKey(herald);

  const sandbox = await startSandbox(herald);
  const presence = startPresence(herald);

  herald.runner = new JobRunner(db, {
    deliver: {
      handler: makeDeliverHandler(herald),
      concurrency: config.deliveryConcurrency,
      groupConcurrency: config.webhookConcurrency,
      leaseMs: config.deliveryTimeoutMs + 30_000,
    },
    execute: {
      handler: makeRunWorkflowHandler(herald),
      concurrency: config.workflowConcurrency,
      leaseMs: 120_000,
    },
  });
  events.onWorkQueued((work) => herald.runner.nudge(work));

  // Sessions a previous process left open are closed before anything new
  // can join, and their events queued like any other.
  presence.recover();

  const app = createApp(herald);
  startOrExit(() => {
    try {
      app.listen({
        port: config.port,
        hostname: "0.0.0.0",
        // Elysia asks for SO_REUSEPORT, which would let a second Herald
        // share the port (and split requests between two databases).
        reusePort: false,
        development: false,
        maxRequestBodySize: Math.max(config.bodyLimitBytes, config.fileLimitBytes) + 1024 * 1024,
        // Bun closes a WebSocket whose message is past this with 1009 itself.
        websocket: { maxPayloadLength: MAX_CLIENT_MESSAGE_BYTES },
      });
    } catch (error) {
      throw new ConfigError("HERALD_PORT", `cannot listen on port ${config.port}: ${reason(error)}`);
    }
  });
  herald.runner.start();
  const stopPruning = startPruning(db, config.retentionDays);
  herald.ready = true;
  log.info("herald listening", { port: app.server?.port, dataDir: config.dataDir, version: pkg.version });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    herald.ready = false;
    log.info("herald stopping", { signal });
    stopPruning();
    // stop(false) refuses new connections at once but settles only when the
    // open ones have closed, so the WebSockets (1001) and the live event
    // streams are closed before it is awaited. A client that stopped
    // reading never lets its response finish, so once the grace is over
    // the connections left are cut: the exit never waits on a client.
    const server = app.server;
    const serverStopped = server?.stop(false) ?? Promise.resolve();
    presence.shutdown();
    closeEventStreams();
    const graceOver = Bun.sleep(SHUTDOWN_GRACE_MS).then(() => false);
    const [drained] = await Promise.all([
      Promise.race([serverStopped.then(() => true), graceOver]),
      herald.runner.stop(SHUTDOWN_GRACE_MS),
    ]);
    if (!drained) {
      log.warn("open connections cut after the shutdown grace", { graceMs: SHUTDOWN_GRACE_MS });
      await server?.stop(true);
    }
    await sandbox.stop();
    close();
    log.info("herald stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

await main();

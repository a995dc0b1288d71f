// Herald's configuration: read from the environment once at start, checked,
// and frozen. A bad value throws a ConfigError naming the variable, and
// main.ts stops the start with that message. Importing this module has no
// side effects; call loadConfig().

import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { parseCidr } from "./delivery/address-guard";

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface Config {
  port: number;
  dataDir: string;
  apiKey: string | undefined;
  logLevel: LogLevel;
  /** Delays in ms after the first attempt; one attempt more than steps. */
  retrySchedule: readonly number[];
  deliveryTimeoutMs: number;
  disableAfterMs: number;
  /** CIDR list; "*" allows every address. Empty means public only. */
  allowPrivateTargets: readonly string[];
  presenceGraceMs: number;
  pingIntervalMs: number;
  pongTimeoutMs: number;
  workflowMemoryMb: number;
  workflowConcurrency: number;
  /** Resident size past which busy sandbox workers are stopped. */
  sandboxCeilingMb: number;
  retentionDays: number;
  webhookConcurrency: number;
  deliveryConcurrency: number;
  rateLimit: number | undefined;
  secretKey: string | undefined;
  bodyLimitBytes: number;
  fileLimitBytes: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`${variable}: ${reason}`);
    this.name = "ConfigError";
  }
}

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** Parses `<n>ms|s|m|h|d` into milliseconds; null when it does not match. */
export function parseDuration(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) return null;
  const value = Number(match[1]) * UNITS[match[2]];

  return Number.isFinite(value) ? Math.round(value) : null;
}

type Env = Record<string, string | undefined>;

function read(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `expected a whole number, got "${raw}".`);
  const value = Number(raw);
  if (value < min || value > max) {
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}.`);
  }

  return value;
}

/** No setting needs a duration past a year; longer ones overflow dates. */
const MAX_DURATION_MS = 365 * 86_400_000;

function duration(env: Env, name: string, fallback: string): number {
  const raw = read(env, name) ?? fallback;
  const value = parseDuration(raw);
  if (value === null) {
    throw new ConfigError(name, `expected a duration like 500ms, 5s, 5m, 2h or 5d, got "${raw}".`);
  }
  if (value > MAX_DURATION_MS) throw new ConfigError(name, `must be at most 365d, got "${raw}".`);

  return value;
}

export function loadConfig(env: Env = process.env): Readonly<Config> {
  const logLevel = (read(env, "HERALD_LOG_LEVEL") ?? "info").toLowerCase();
  if (!["debug", "info", "warn", "error"].includes(logLevel)) {
    throw new ConfigError("HERALD_LOG_LEVEL", `expected debug, info, warn or error, got "${logLevel}".`);
  }

  const scheduleText = read(env, "HERALD_RETRY_SCHEDULE") ?? "5s,5m,30m,2h,5h,10h,10h";
  const retrySchedule = scheduleText.split(",").map((step) => {
    const ms = parseDuration(step);
    if (ms === null) {
      throw new ConfigError("HERALD_RETRY_SCHEDULE", `"${step.trim()}" is not a duration like 5s or 2h.`);
    }
    if (ms > MAX_DURATION_MS) {
      throw new ConfigError("HERALD_RETRY_SCHEDULE", `each step must be at most 365d, got "${step.trim()}".`);
    }
    return ms;
  });

  const privateText = read(env, "HERALD_ALLOW_PRIVATE_TARGETS");
  const allowPrivateTargets = privateText
    ? privateText.split(",").map((entry) => entry.trim())
    : [];
  for (const entry of allowPrivateTargets) {
    if (entry !== "*" && parseCidr(entry) === null) {
      throw new ConfigError("HERALD_ALLOW_PRIVATE_TARGETS", `"${entry}" is not a CIDR range or "*".`);
    }
  }

  const rateLimitRaw = read(env, "HERALD_RATE_LIMIT");
  const apiKey = read(env, "HERALD_API_KEY");
  if (apiKey !== undefined && apiKey.length < 16) {
    throw new ConfigError("HERALD_API_KEY", "must be at least 16 characters long.");
  }
  // Sent as `Authorization: Bearer <key>`: a key with spaces or characters
  // a header cannot carry could never be used, and would lock everyone out.
  if (apiKey !== undefined && !/^[\x21-\x7e]+$/.test(apiKey)) {
    throw new ConfigError("HERALD_API_KEY", "may hold only printable ASCII characters, with no spaces.");
  }

  const config: Config = {
    port: integer(env, "HERALD_PORT", 3000, 0, 65535),
    dataDir: resolve(read(env, "HERALD_DATA_DIR") ?? "./data"),
    apiKey,
    logLevel: logLevel as LogLevel,
    retrySchedule,
    deliveryTimeoutMs: integer(env, "HERALD_DELIVERY_TIMEOUT_MS", 15000, 1, 600_000),
    disableAfterMs: duration(env, "HERALD_DISABLE_AFTER", "5d"),
    allowPrivateTargets,
    presenceGraceMs: integer(env, "HERALD_PRESENCE_GRACE_MS", 5000, 0, 3_600_000),
    pingIntervalMs: integer(env, "HERALD_PING_INTERVAL_MS", 25000, 100, 3_600_000),
    pongTimeoutMs: integer(env, "HERALD_PONG_TIMEOUT_MS", 15000, 100, 3_600_000),
    workflowMemoryMb: integer(env, "HERALD_WORKFLOW_MEMORY_MB", 128, 16, 65536),
    workflowConcurrency: integer(env, "HERALD_WORKFLOW_CONCURRENCY", availableParallelism(), 1, 256),
    sandboxCeilingMb: integer(env, "HERALD_SANDBOX_CEILING_MB", 896, 128, 1024 * 1024),
    retentionDays: integer(env, "HERALD_RETENTION_DAYS", 30, 1, 36500),
    webhookConcurrency: integer(env, "HERALD_WEBHOOK_CONCURRENCY", 64, 1, 10000),
    deliveryConcurrency: integer(env, "HERALD_DELIVERY_CONCURRENCY", 512, 1, 100000),
    rateLimit:
      rateLimitRaw === undefined ? undefined : integer(env, "HERALD_RATE_LIMIT", 0, 1, 1_000_000),
    secretKey: read(env, "HERALD_SECRET_KEY"),
    bodyLimitBytes: integer(env, "HERALD_BODY_LIMIT_BYTES", 1024 * 1024, 1024, 1024 ** 3),
    fileLimitBytes: integer(env, "HERALD_FILE_LIMIT_BYTES", 25 * 1024 * 1024, 1, 1024 ** 3),
  };

  return Object.freeze(config);
}

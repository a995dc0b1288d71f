// End-to-end harness: starts the real Herald process on port 0 with its own
// data directory, reads the port it logs, and gives tests a small API
// client, a real webhook receiver on port 0 and condition waits. Nothing of
// Herald's is mocked; tests talk to it only over HTTP and WebSockets.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";

const ROOT = join(import.meta.dir, "..", "..");
export const TEST_API_KEY = "hk_test_0123456789abcdefghijklmnop";

export interface HeraldProcess {
  url: string;
  port: number;
  dataDir: string;
  apiKey: string;
  proc: Subprocess<"ignore", "pipe", "pipe">;
  /** Every stdout line so far, parsed where it is JSON. */
  logs: Array<Record<string, unknown>>;
  api<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  /** SIGTERM, wait for exit; returns the exit code. */
  stop(): Promise<number>;
  /** SIGKILL: the process dies with no chance to clean up. */
  kill(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface ApiResponse<T> {
  status: number;
  body: T;
  headers: Headers;
}

export interface StartOptions {
  env?: Record<string, string>;
  /** Reuse a data directory (a restart); a new temporary one otherwise. */
  dataDir?: string;
  /** Keep the data directory after stop (for a restart). */
  keepData?: boolean;
}

export async function startHerald(options: StartOptions = {}): Promise<HeraldProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "herald-e2e-"));
  const proc = Bun.spawn([process.execPath, join(ROOT, "src", "main.ts")], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      HERALD_PORT: "0",
      HERALD_DATA_DIR: dataDir,
      HERALD_API_KEY: TEST_API_KEY,
      HERALD_LOG_LEVEL: "debug",
      HERALD_ALLOW_PRIVATE_TARGETS: "127.0.0.0/8,::1/128",
      HERALD_PRESENCE_GRACE_MS: "300",
      ...options.env,
    },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });

  const logs: Array<Record<string, unknown>> = [];
  const port = await new Promise<number>((resolve, reject) => {
    let settled = false;
    const decoder = new TextDecoder();
    let buffered = "";
    (async () => {
      for await (const chunk of proc.stdout) {
        buffered += decoder.decode(chunk, { stream: true });
        let newline = buffered.indexOf("\n");
        while (newline >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          let parsed: Record<string, unknown>;
          try {
            parsed = JSON.parse(line);
          } catch {
            parsed = { raw: line };
          }
          logs.push(parsed);
          if (!settled && parsed.msg === "herald listening") {
            settled = true;
            resolve(parsed.port as number);
          }
          newline = buffered.indexOf("\n");
        }
      }
      if (!settled) {
        const stderr = await new Response(proc.stderr).text();
        reject(new Error(`Herald exited before listening: ${stderr}`));
      }
    })();
  });
  const url = `http://127.0.0.1:${port}`;

  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const init: RequestInit = {
      method,
      headers: { authorization: `Bearer ${TEST_API_KEY}`, ...headers },
    };
    if (body !== undefined) {
      init.body = typeof body === "string" ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)["content-type"] ??= "application/json";
    }
    const response = await fetch(url + path, init);
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {}

    return { status: response.status, body: parsed as any, headers: response.headers };
  };

  let exited = false;
  const stop = async () => {
    if (!exited) proc.kill("SIGTERM");
    const code = await proc.exited;
    exited = true;
    if (!options.keepData && !options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    return code;
  };

  return {
    url,
    port,
    dataDir,
    apiKey: TEST_API_KEY,
    proc,
    logs,
    api,
    stop,
    async kill() {
      proc.kill("SIGKILL");
      await proc.exited;
      exited = true;
    },
    async [Symbol.asyncDispose]() {
      await stop();
    },
  };
}

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  stop(): void;
  [Symbol.dispose](): void;
}

/**
 * A real HTTP server on port 0 that records each request. `respond` picks
 * the answer; by default 200.
 */
export function startReceiver(
  respond: (request: ReceivedRequest, index: number) => Response | Promise<Response> = () =>
    new Response("ok"),
): Receiver {
  const requests: ReceivedRequest[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      const received: ReceivedRequest = {
        method: request.method,
        path: new URL(request.url).pathname,
        headers: Object.fromEntries(request.headers),
        body: await request.text(),
        at: Date.now(),
      };
      const index = requests.push(received) - 1;
      return respond(received, index);
    },
  });

  return {
    url: `http://127.0.0.1:${server.port}`,
    requests,
    stop: () => server.stop(true),
    [Symbol.dispose]: () => server.stop(true),
  };
}

/** Polls `check` until it returns a truthy value; fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 20, what = "condition" } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    }
    await Bun.sleep(intervalMs);
  }
}

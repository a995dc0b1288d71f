import { expect, test } from "bun:test";
import { startHerald } from "./harness";

test("the server starts, answers health checks, and stops with exit 0 on SIGTERM", async () => {
  const herald = await startHerald();
  const health = await fetch(`${herald.url}/healthz`);
  expect(health.status).toBe(200);
  const ready = await fetch(`${herald.url}/readyz`);
  expect(ready.status).toBe(200);
  const denied = await fetch(`${herald.url}/v1/rooms`);
  expect(denied.status).toBe(401);
  expect(((await denied.json()) as any).error.code).toBe("unauthorized");
  expect(await herald.stop()).toBe(0);
});

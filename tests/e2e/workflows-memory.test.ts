// A memory bomb in a workflow: the sandbox's memory guard stops it before
// the server's resident size passes its ceiling, the server keeps
// answering, and the next execution runs. The ceiling is set low here so
// the bomb reaches it in a second or two.

import { expect, test } from "bun:test";
import { startHerald, waitFor } from "./harness";

const BOMB = `
export default async function () {
  const hoard = [];
  for (;;) hoard.push(new Array(1_000_000).fill(1.5));
}
`;

test("a memory bomb fails as MemoryLimitError, the server stays up and under its ceiling, and the next run works", async () => {
  await using herald = await startHerald({ env: { HERALD_SANDBOX_CEILING_MB: "400" } });
  const bomb = await herald.api("POST", "/v1/workflows", { name: "bomb", source: BOMB, timeoutMs: 60_000 });
  expect(bomb.status).toBe(201);

  const started = Date.now();
  const run = await herald.api("POST", `/v1/workflows/${bomb.body.id}/test`, {
    event: { type: "app.x", roomId: "r", data: {} },
  });
  expect(run.status).toBe(200);
  expect(run.body.status).toBe("failed");
  expect(run.body.error.name).toBe("MemoryLimitError");
  expect(Date.now() - started).toBeLessThan(30_000);

  expect((await fetch(`${herald.url}/healthz`)).status).toBe(200);
  // The stopped worker's heap is freed once its thread has wound down.
  const rssMb = async () =>
    Number(/VmRSS:\s+(\d+)/.exec(await Bun.file(`/proc/${herald.proc.pid}/status`).text())?.[1]) / 1024;
  await waitFor(async () => (await rssMb()) < 400, { what: "the server's memory to come back under 400 MiB" });

  const fine = await herald.api("POST", "/v1/workflows", { name: "fine", source: "export default () => 42" });
  const after = await herald.api("POST", `/v1/workflows/${fine.body.id}/test`, {
    event: { type: "app.x", roomId: "r", data: {} },
  });
  expect(after.body.status).toBe("success");
  expect(after.body.result).toBe(42);
}, 60_000);

// Delivery throughput, end to end, against a baseline measured in the same
// run on the same machine.
//
//   baseline: Bun fetch POSTing small JSON bodies straight to a Bun.serve
//             receiver on loopback, 64 in flight: the ceiling for any
//             webhook sender here.
//   herald:   the real server process; N app events published over the API
//             (64 requests in flight), each fanned out to one webhook whose
//             receiver is the same kind of Bun.serve. Measured from the first
//             publish to the last signed request received.
//
// Usage: bun run bench:delivery [events=5000]

import { startHerald, startReceiver } from "../tests/e2e/harness";

const N = Number(process.argv[2] ?? 5000);
const IN_FLIGHT = 64;

async function pool(count: number, work: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: IN_FLIGHT }, async () => {
    while (next < count) await work(next++);
  });
  await Promise.all(lanes);
}

async function baseline(): Promise<number> {
  using receiver = startReceiver();
  const body = JSON.stringify({ id: "evt_x", type: "app.bench", data: { i: 0 } });
  const started = performance.now();
  await pool(N, () =>
    fetch(`${receiver.url}/hook`, { method: "POST", body, headers: { "content-type": "application/json" } }).then(
      (r) => r.arrayBuffer(),
    ),
  );

  return N / ((performance.now() - started) / 1000);
}

async function herald(): Promise<{ publishRate: number; deliveryRate: number; p50: number; p99: number }> {
  await using server = await startHerald({ env: { HERALD_LOG_LEVEL: "info" } });
  using receiver = startReceiver();
  await server.api("POST", "/v1/rooms", { id: "bench" });
  const hook = await server.api("POST", "/v1/webhooks", { url: `${receiver.url}/hook` });
  if (hook.status !== 201) throw new Error(`webhook create failed: ${JSON.stringify(hook.body)}`);

  const publishedAt = new Map<string, number>();
  const started = performance.now();
  await pool(N, async (i) => {
    const res = await server.api("POST", "/v1/events", { type: "app.bench", roomId: "bench", data: { i } });
    publishedAt.set(res.body.id, Date.now());
  });
  const published = performance.now();
  while (receiver.requests.length < N) await Bun.sleep(5);
  const finished = performance.now();

  const latencies = receiver.requests
    .map((r) => r.at - (publishedAt.get(r.headers["webhook-id"]) ?? r.at))
    .sort((a, b) => a - b);

  return {
    publishRate: N / ((published - started) / 1000),
    deliveryRate: N / ((finished - started) / 1000),
    p50: latencies[Math.floor(latencies.length * 0.5)],
    p99: latencies[Math.floor(latencies.length * 0.99)],
  };
}

const base = await baseline();
const result = await herald();
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
console.log(`events: ${N}, in flight: ${IN_FLIGHT}`);
console.log(`baseline  raw loopback POSTs         ${fmt(base)}/s`);
console.log(`herald    events published (API)     ${fmt(result.publishRate)}/s`);
console.log(`herald    published → delivered      ${fmt(result.deliveryRate)}/s  (${((result.deliveryRate / base) * 100).toFixed(1)} % of baseline)`);
console.log(`herald    publish → receipt latency  p50 ${result.p50} ms, p99 ${result.p99} ms`);

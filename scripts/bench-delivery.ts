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
//   paced:    then 1,000 more events at a steady 200 a second, well under
//             saturation: the publish-to-receipt latency a quiet system gives.
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

interface Result {
  publishRate: number;
  deliveryRate: number;
  p50: number;
  p99: number;
  paced: { p50: number; p99: number };
}

function percentiles(latencies: number[]) {
  const sorted = [...latencies].sort((a, b) => a - b);

  return { p50: sorted[Math.floor(sorted.length * 0.5)], p99: sorted[Math.floor(sorted.length * 0.99)] };
}

async function herald(): Promise<Result> {
  await using server = await startHerald({ env: { HERALD_LOG_LEVEL: "info" } });
  using receiver = startReceiver();
  await server.api("POST", "/v1/rooms", { id: "bench" });
  const hook = await server.api("POST", "/v1/webhooks", { url: `${receiver.url}/hook` });
  if (hook.status !== 201) throw new Error(`webhook create failed: ${JSON.stringify(hook.body)}`);

  // Latency runs from when a publish request is sent to when its webhook
  // request arrives; events are matched by their data.i.
  const sentAt = new Map<number, number>();
  const started = performance.now();
  await pool(N, async (i) => {
    sentAt.set(i, Date.now());
    await server.api("POST", "/v1/events", { type: "app.bench", roomId: "bench", data: { i } });
  });
  const published = performance.now();
  while (receiver.requests.length < N) await Bun.sleep(5);
  const finished = performance.now();

  const latency = (from: number) =>
    receiver.requests.slice(from).map((r) => r.at - (sentAt.get(JSON.parse(r.body).data.i) ?? r.at));
  const loaded = percentiles(latency(0));

  const PACED = 1000;
  const pacedStart = Date.now();
  const sends: Promise<unknown>[] = [];
  for (let i = 0; i < PACED; i++) {
    const due = pacedStart + i * 5;
    if (due > Date.now()) await Bun.sleep(due - Date.now());
    sentAt.set(N + i, Date.now());
    sends.push(server.api("POST", "/v1/events", { type: "app.bench", roomId: "bench", data: { i: N + i } }));
  }
  await Promise.all(sends);
  while (receiver.requests.length < N + PACED) await Bun.sleep(5);

  return {
    publishRate: N / ((published - started) / 1000),
    deliveryRate: N / ((finished - started) / 1000),
    ...loaded,
    paced: percentiles(latency(N)),
  };
}

const base = await baseline();
const result = await herald();
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
console.log(`events: ${N}, in flight: ${IN_FLIGHT}`);
console.log(`baseline  raw loopback POSTs         ${fmt(base)}/s`);
console.log(`herald    events published (API)     ${fmt(result.publishRate)}/s`);
console.log(`herald    published → delivered      ${fmt(result.deliveryRate)}/s  (${((result.deliveryRate / base) * 100).toFixed(1)} % of baseline)`);
console.log(`herald    publish → receipt latency  p50 ${result.p50} ms, p99 ${result.p99} ms (saturated: backlog)`);
console.log(`paced     200 events/s, latency      p50 ${result.paced.p50} ms, p99 ${result.paced.p99} ms`);

// The whole path once, as a team would use it: a room and a user, a
// webhook and a workflow, a client coming online over a WebSocket, an app
// event; every event reaches the receiver signed, the workflow runs, and
// each event's record shows what it caused.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { Webhook } from "standardwebhooks";
import { type HeraldProcess, type Receiver, startHerald, startReceiver, waitFor } from "./harness";

let herald: HeraldProcess;
let receiver: Receiver;

beforeAll(async () => {
  herald = await startHerald();
  receiver = startReceiver();
});
afterAll(async () => {
  receiver.stop();
  await herald.stop();
});

const WORKFLOW = `
export default async function (event: { type: string; data: { text?: string } }, { store, room }) {
  const info = await room.get();
  const seen = ((await store.get("counts", event.type)) ?? 0) + 1;
  await store.set("counts", event.type, seen);
  console.log("saw", event.type, "in", info?.name);
  return { type: event.type, seen };
}
`;

test("one event reaches a signed webhook and a workflow, and its record shows both", async () => {
  expect((await herald.api("POST", "/v1/rooms", { id: "launch", name: "Launch" })).status).toBe(201);
  const hook = await herald.api("POST", "/v1/webhooks", { url: `${receiver.url}/in` });
  expect(hook.status).toBe(201);
  const flow = await herald.api("POST", "/v1/workflows", {
    name: "count",
    source: WORKFLOW,
    events: ["app.note.added", "participant.joined"],
    permissions: ["store:write"],
  });
  expect(flow.status).toBe(201);

  // A user comes online: session.started, participant.joined.
  await herald.api("POST", "/v1/rooms/launch/users", { id: "grace", name: "Grace" });
  const { token } = (await herald.api("POST", "/v1/rooms/launch/users/grace/tokens", {})).body;
  const ws = new WebSocket(`${herald.url.replace("http", "ws")}/v1/rooms/launch/connect?token=${token}`);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });

  const published = await herald.api("POST", "/v1/events", {
    type: "app.note.added",
    roomId: "launch",
    data: { text: "go" },
  });
  expect(published.status).toBe(201);

  ws.close();
  // user.created, session.started, participant.joined, app.note.added,
  // participant.left, session.closed: six deliveries.
  await waitFor(() => receiver.requests.length >= 6, { what: "six deliveries" });
  const verifier = new Webhook(hook.body.secret);
  const received = receiver.requests.map((r) => verifier.verify(r.body, r.headers) as { type: string; sequence: number });
  expect(received.map((e) => e.type).sort()).toEqual(
    ["app.note.added", "participant.joined", "participant.left", "session.closed", "session.started", "user.created"].sort(),
  );
  const bySequence = [...received].sort((a, b) => a.sequence - b.sequence).map((e) => e.type);
  expect(bySequence).toEqual([
    "user.created",
    "session.started",
    "participant.joined",
    "app.note.added",
    "participant.left",
    "session.closed",
  ]);

  const detail = await waitFor(async () => {
    const res = await herald.api("GET", `/v1/events/${published.body.id}`);
    const done = res.body.executions?.[0]?.status === "success" && res.body.deliveries?.[0]?.status === "success";
    return done ? res.body : undefined;
  }, { what: "the app event's delivery and execution to succeed" });
  expect(detail.deliveries).toHaveLength(1);
  expect(detail.deliveries[0].webhookId).toBe(hook.body.id);
  expect(detail.executions).toHaveLength(1);
  expect(detail.executions[0].result).toEqual({ type: "app.note.added", seen: 1 });
  expect(detail.executions[0].logs[0].message).toBe("saw app.note.added in Launch");

  const counts = await waitFor(async () => {
    const res = await herald.api("GET", "/v1/rooms/launch/stores/counts");
    return Object.keys(res.body.data).length === 2 ? res.body.data : undefined;
  }, { what: "both workflow runs to write the store" });
  expect(counts).toEqual({ "app.note.added": 1, "participant.joined": 1 });
});

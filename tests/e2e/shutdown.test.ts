// SIGTERM is bounded whatever clients do (operations.md: stop taking
// requests, let work in flight finish for up to 10 s, close WebSockets,
// checkpoint, exit 0). Guards a fault a tester found: a live event stream
// whose client stopped reading, or a large list answer to a paused reader,
// kept the process alive far past the grace (forever, for the stream).

import { expect, test } from "bun:test";
import type { Socket } from "bun";
import { startHerald, TEST_API_KEY, waitFor } from "./harness";

const GRACE_MS = 10_000;

/** A raw HTTP client that stops reading once the answer has started. */
async function stalledReader(port: number, path: string): Promise<Socket> {
  let started = false;
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(s) {
        if (!started) {
          started = true;
          s.pause(); // a laptop lid closed, a stuck proxy…
        }
      },
    },
  });
  socket.write(`GET ${path} HTTP/1.1\r\nHost: herald\r\nAuthorization: Bearer ${TEST_API_KEY}\r\n\r\n`);
  await waitFor(() => started, { what: `the answer to ${path} to start` });

  return socket;
}

test("SIGTERM exits 0 soon after the grace while clients have stopped reading a stream and a large list", async () => {
  const herald = await startHerald();
  const sockets: Socket[] = [];
  try {
    await herald.api("POST", "/v1/rooms", { id: "slow" });
    sockets.push(await stalledReader(herald.port, "/v1/events/stream"));
    // ~18 MB of frames for the stream: more than the socket buffers hold,
    // fewer than the 1000 queued frames after which a slow client is dropped.
    const pad = "x".repeat(60_000);
    for (let batch = 0; batch < 6; batch++) {
      const published = await Promise.all(
        Array.from({ length: 50 }, (_, n) =>
          herald.api("POST", "/v1/events", { type: "app.fill", roomId: "slow", data: { pad, n } }),
        ),
      );
      expect(published.every((r) => r.status === 201)).toBe(true);
    }
    sockets.push(await stalledReader(herald.port, "/v1/events?roomId=slow&limit=100"));

    const sentAt = Date.now();
    herald.proc.kill("SIGTERM");
    const outcome = await Promise.race([herald.proc.exited, Bun.sleep(GRACE_MS + 10_000).then(() => "still running")]);
    const tookMs = Date.now() - sentAt;

    expect({ outcome, inTime: tookMs < GRACE_MS + 2_500 }).toEqual({ outcome: 0, inTime: true });
    const messages = herald.logs.map((line) => line.msg);
    expect(messages).toContain("open connections cut after the shutdown grace");
    expect(messages).toContain("herald stopped");
  } finally {
    for (const socket of sockets) socket.end();
    await herald.kill(); // only if it still runs: a failed run must not hang the suite
    await herald.stop(); // removes the data folder
  }
}, 40_000);

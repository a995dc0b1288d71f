// The live event stream: Server-Sent Events (the WHATWG HTML "server-sent
// events" format), one `data:` frame per event as it is stored, fed by the
// recorder's subscribe(). A comment line every 15 s keeps proxies from
// closing a quiet connection. When the client goes (the stream is
// cancelled or the request aborted) the subscription and timer go too. A
// client that stops reading is dropped rather than buffered without end.

import type { Server } from "bun";
import type { Envelope } from "../../events/envelope";
import type { EventRecorder } from "../../events/recorder";
import { log } from "../../log";

const HEARTBEAT_MS = 15_000;
/** Frames queued for a client that is not reading before it is dropped. */
const MAX_QUEUED = 1000;

export interface StreamFilter {
  types: string[];
  roomId?: string;
}

const encoder = new TextEncoder();

/** Ends every open stream; the server's graceful stop waits on them otherwise. */
const openStreams = new Set<() => void>();

export function closeEventStreams(): void {
  for (const end of [...openStreams]) end();
}

function frame(event: Envelope): Uint8Array {
  // JSON.stringify never emits a raw newline, so the event is one data line.
  return encoder.encode(`id: ${event.id}\ndata: ${JSON.stringify(event)}\n\n`);
}

export function eventStream(
  recorder: EventRecorder,
  filter: StreamFilter,
  request: Request,
  server: Server<unknown> | null,
): Response {
  // Bun closes connections idle for 10 s by default; this one is meant to
  // stay open, and the heartbeat keeps it from looking dead to proxies.
  server?.timeout(request, 0);

  let cleanup = () => {};
  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const send = (bytes: Uint8Array) => {
          if ((controller.desiredSize ?? 0) < -MAX_QUEUED) {
            log.warn("event stream dropped a slow client", { queued: MAX_QUEUED });
            cleanup();
            controller.error(new Error("client too slow"));
            return;
          }
          controller.enqueue(bytes);
        };
        const unsubscribe = recorder.subscribe((event) => {
          if (filter.roomId !== undefined && event.roomId !== filter.roomId) return;
          if (filter.types.length > 0 && !filter.types.includes(event.type)) return;
          send(frame(event));
        });
        const heartbeat = setInterval(() => send(encoder.encode(": heartbeat\n\n")), HEARTBEAT_MS);
        let open = true;
        cleanup = () => {
          if (!open) return;
          open = false;
          unsubscribe();
          clearInterval(heartbeat);
          request.signal.removeEventListener("abort", cleanup);
          openStreams.delete(end);
          log.debug("event stream closed");
        };
        request.signal.addEventListener("abort", cleanup);
        const end = () => {
          cleanup();
          try {
            controller.close();
          } catch {
            // already closed or errored: nothing left to end.
          }
        };
        openStreams.add(end);

        controller.enqueue(encoder.encode("retry: 3000\n: connected\n\n"));
        log.debug("event stream opened", { types: filter.types.join(","), roomId: filter.roomId });
      },
      cancel() {
        cleanup();
      },
    },
    { highWaterMark: 1 },
  );

  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    },
  });
}

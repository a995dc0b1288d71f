// Helpers for tests that read a room's whole event log and check it against
// the presence rules of api.md, and a hand-made WebSocket client for frames
// a well-behaved client library will not send.
import { type HeraldProcess, TEST_API_KEY } from "./harness";

export const AUTH = { authorization: `Bearer ${TEST_API_KEY}` };

export async function allEvents(h: HeraldProcess, roomId: string): Promise<any[]> {
  const out: any[] = [];
  let cursor: string | null = null;
  for (;;) {
    const r: { body: { data: any[]; nextCursor: string | null } } = await h.api("GET", `/v1/events?roomId=${roomId}&limit=100${cursor ? `&cursor=${cursor}` : ""}`);
    out.push(...r.body.data);
    cursor = r.body.nextCursor;
    if (!cursor) break;
  }
  return out.sort((a, b) => a.sequence - b.sequence);
}

/** Problems with a room's event log against the presence rules of api.md; [] when it holds. */
export function presenceProblems(events: any[]): string[] {
  const problems: string[] = [];
  events.forEach((e, i) => {
    if (e.sequence !== i + 1) problems.push(`sequence gap/dup at index ${i}: ${e.sequence}`);
  });
  let session: string | null = null;
  const online = new Map<string, boolean>();
  for (const e of events) {
    const t = e.type;
    if (t === "session.started") {
      if (session) problems.push(`session.started ${e.data.sessionId} while ${session} open (seq ${e.sequence})`);
      session = e.data.sessionId;
    } else if (t === "session.closed") {
      if (session !== e.data.sessionId) problems.push(`session.closed ${e.data.sessionId} but open is ${session} (seq ${e.sequence})`);
      const still = [...online].filter(([, v]) => v).map(([k]) => k);
      if (still.length) problems.push(`session.closed with ${still} still joined (seq ${e.sequence})`);
      session = null;
    } else if (t === "participant.joined") {
      if (!session || e.data.sessionId !== session) problems.push(`joined outside session (seq ${e.sequence})`);
      if (online.get(e.data.user.id)) problems.push(`double join of ${e.data.user.id} (seq ${e.sequence})`);
      online.set(e.data.user.id, true);
    } else if (t === "participant.left") {
      if (!online.get(e.data.user.id)) problems.push(`left without join ${e.data.user.id} (seq ${e.sequence})`);
      online.set(e.data.user.id, false);
    }
  }
  return problems;
}

export interface RawWs {
  head: Promise<string>;
  closed: Promise<void>;
  frames: Buffer[];
  write(b: Buffer | string): void;
  end(): void;
}

/** A hand-made WebSocket client over TCP that never answers pings or closes. */
export async function rawWs(h: HeraldProcess, path: string): Promise<RawWs> {
  let head = "";
  let gotHead!: (s: string) => void;
  const headP = new Promise<string>((r) => (gotHead = r));
  let dropped!: () => void;
  const closed = new Promise<void>((r) => (dropped = r));
  const frames: Buffer[] = [];
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port: h.port,
    socket: {
      data(_s, chunk) {
        if (!head.includes("\r\n\r\n")) {
          head += Buffer.from(chunk).toString("latin1");
          if (head.includes("\r\n\r\n")) gotHead(head);
        } else frames.push(Buffer.from(chunk));
      },
      close: () => { gotHead(head); dropped(); },
      error: () => { gotHead(head); dropped(); },
    },
  });
  const key = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${h.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  return { head: headP, closed, frames, write: (b) => socket.write(b), end: () => socket.end() };
}

/** A masked client text frame. */
export function textFrame(text: string | Buffer): Buffer {
  const payload = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const mask = Buffer.from([1, 2, 3, 4]);
  const len = payload.length;
  let header: Buffer;
  if (len < 126) header = Buffer.from([0x81, 0x80 | len]);
  else if (len < 65536) { header = Buffer.alloc(4); header[0] = 0x81; header[1] = 0x80 | 126; header.writeUInt16BE(len, 2); }
  else { header = Buffer.alloc(10); header[0] = 0x81; header[1] = 0x80 | 127; header.writeBigUInt64BE(BigInt(len), 2); }
  const masked = Buffer.alloc(len);
  for (let i = 0; i < len; i++) masked[i] = payload[i] ^ mask[i % 4];
  return Buffer.concat([header, mask, masked]);
}

export function rawHttp(port: number, req: string | Buffer, waitMs = 3000): Promise<string> {
  return new Promise((res) => {
    let buf = "";
    let done = false;
    const finish = () => { if (!done) { done = true; res(buf); } };
    Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        open(s) { s.write(req); },
        data(_s, d) { buf += Buffer.from(d).toString("latin1"); },
        close: finish,
        error: finish,
      },
    }).catch(finish);
    setTimeout(finish, waitMs);
  });
}

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { type HeraldProcess, startHerald, TEST_API_KEY } from "./harness";

let herald: HeraldProcess;
const FILE_LIMIT = 64 * 1024;

beforeAll(async () => {
  herald = await startHerald({ env: { HERALD_FILE_LIMIT_BYTES: String(FILE_LIMIT) } });
  expect((await herald.api("POST", "/v1/rooms", { id: "files-room" })).status).toBe(201);
});
afterAll(() => herald.stop());

const auth = { authorization: `Bearer ${TEST_API_KEY}` };

function upload(name: string, body: string | Uint8Array | Blob, contentType?: string, room = "files-room") {
  return fetch(`${herald.url}/v1/rooms/${room}/files/${name}`, {
    method: "PUT",
    headers: { ...auth, ...(contentType ? { "content-type": contentType } : {}) },
    body,
  });
}

function download(name: string, headers: Record<string, string> = {}, room = "files-room") {
  return fetch(`${herald.url}/v1/rooms/${room}/files/${name}`, { headers: { ...auth, ...headers } });
}

/** Sends a request line as written, so no client normalises `..` away. */
async function rawRequest(method: string, target: string): Promise<string> {
  const { promise, resolve } = Promise.withResolvers<string>();
  let text = "";
  await Bun.connect({
    hostname: "127.0.0.1",
    port: herald.port,
    socket: {
      open(socket) {
        socket.write(
          `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TEST_API_KEY}\r\nContent-Length: 3\r\nConnection: close\r\n\r\nbad`,
        );
      },
      data(_socket, chunk) {
        text += new TextDecoder().decode(chunk);
      },
      close() {
        resolve(text);
      },
    },
  });

  return promise;
}

describe("files", () => {
  test("an upload answers its metadata and downloads as the same bytes with its content type", async () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 251, 252]);
    const put = await upload("blob.bin", bytes, "application/x-custom");
    expect(put.status).toBe(200);
    const meta = (await put.json()) as any;
    expect(meta).toMatchObject({ name: "blob.bin", size: 6, contentType: "application/x-custom" });
    expect(meta.etag).toMatch(/^"[0-9a-f]{64}"$/);
    expect(Date.parse(meta.uploadedAt)).not.toBeNaN();

    const got = await download("blob.bin");
    expect(got.status).toBe(200);
    expect(got.headers.get("content-type")).toBe("application/x-custom");
    expect(got.headers.get("etag")).toBe(meta.etag);
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(bytes);
  });

  test("an upload without a content type is application/octet-stream", async () => {
    const put = await fetch(`${herald.url}/v1/rooms/files-room/files/untyped`, {
      method: "PUT",
      headers: auth,
      body: new Blob([new Uint8Array([1, 2, 3])]),
    });
    expect(((await put.json()) as any).contentType).toBe("application/octet-stream");
  });

  test("If-None-Match with the current etag answers 304, a stale one the bytes", async () => {
    const meta = (await (await upload("cached.txt", "v1", "text/plain")).json()) as any;
    const fresh = await download("cached.txt", { "if-none-match": meta.etag });
    expect(fresh.status).toBe(304);
    expect(fresh.headers.get("etag")).toBe(meta.etag);

    await upload("cached.txt", "v2", "text/plain");
    const stale = await download("cached.txt", { "if-none-match": meta.etag });
    expect(stale.status).toBe(200);
    expect(await stale.text()).toBe("v2");
  });

  test("names with slashes make folders inside the room's folder and list by prefix", async () => {
    await upload("docs/a.md", "# a", "text/markdown");
    await upload("docs/deep/b.md", "# b", "text/markdown");
    await upload("other.txt", "x", "text/plain");
    expect(existsSync(join(herald.dataDir, "files", "files-room", "docs", "deep", "b.md"))).toBe(true);

    const listed = await herald.api("GET", "/v1/rooms/files-room/files?prefix=docs/");
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((f: { name: string }) => f.name)).toEqual(["docs/a.md", "docs/deep/b.md"]);
    expect(await (await download("docs/deep/b.md")).text()).toBe("# b");
  });

  test("a percent-encoded name is stored decoded", async () => {
    const put = await upload("reports/q1%20summary%20%E2%9C%93.txt", "ok", "text/plain");
    expect(((await put.json()) as any).name).toBe("reports/q1 summary ✓.txt");
    expect(await (await download("reports/q1%20summary%20%E2%9C%93.txt")).text()).toBe("ok");
  });

  test("the list pages with a cursor in name order", async () => {
    await herald.api("POST", "/v1/rooms", { id: "files-paged" });
    for (const name of ["e", "a", "c", "b", "d"]) await upload(name, name, "text/plain", "files-paged");
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await herald.api(
        "GET",
        `/v1/rooms/files-paged/files?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
      );
      seen.push(...page.body.data.map((f: { name: string }) => f.name));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(["a", "b", "c", "d", "e"]);
  });

  test("a deleted file is gone from disk, the list and downloads, and its empty folders go too", async () => {
    await upload("trash/only.txt", "bye", "text/plain");
    const removed = await fetch(`${herald.url}/v1/rooms/files-room/files/trash/only.txt`, { method: "DELETE", headers: auth });
    expect(removed.status).toBe(204);
    expect((await download("trash/only.txt")).status).toBe(404);
    expect(existsSync(join(herald.dataDir, "files", "files-room", "trash"))).toBe(false);
    const again = await fetch(`${herald.url}/v1/rooms/files-room/files/trash/only.txt`, { method: "DELETE", headers: auth });
    expect(again.status).toBe(404);
  });

  test("a body over the file cap is 413 and nothing is stored", async () => {
    const put = await upload("huge.bin", new Uint8Array(FILE_LIMIT + 1), "application/octet-stream");
    expect(put.status).toBe(413);
    expect(((await put.json()) as any).error.code).toBe("payload_too_large");
    expect((await download("huge.bin")).status).toBe(404);
    expect((await upload("limit.bin", new Uint8Array(FILE_LIMIT))).status).toBe(200);
  });

  test("a name that would be both a file and a folder is 409", async () => {
    await upload("clash", "file", "text/plain");
    expect((await upload("clash/inner", "x", "text/plain")).status).toBe(409);
    await upload("folder/inner", "x", "text/plain");
    expect((await upload("folder", "x", "text/plain")).status).toBe(409);
  });

  test("hostile names are 422 and write nothing outside the room's folder", async () => {
    const cases: Record<string, string> = {
      "dot-dot behind encoded slashes": "a%2F..%2F..%2Fescape.txt",
      "leading dot-dot": "..%2Fescape.txt",
      "absolute path": "%2Fetc%2Fpasswd",
      "NUL byte": "a%00b",
      "backslashes": "..%5C..%5Cescape.txt",
      "control character": "a%0Ab",
      "empty segment": "a//b",
      "trailing slash": "dir/",
      "single dot segment": "a%2F.%2Fb",
      "drive path": "C%3A%5Cwin.txt",
      "invalid percent-encoding": "%E0%A4%A",
      "name over 1024 bytes": "n".repeat(1025),
    };
    for (const [label, name] of Object.entries(cases)) {
      // Sent as written, so no client rewrites the name first.
      const answer = await rawRequest("PUT", `/v1/rooms/files-room/files/${name}`);
      expect({ label, status: answer.split(" ")[1] }).toEqual({ label, status: "422" });
      expect(answer).toContain('"code":"validation_failed"');
    }
    expect(readdirSync(join(herald.dataDir, "files")).sort()).toEqual(["files-paged", "files-room"]);
    expect(existsSync(join(herald.dataDir, "escape.txt"))).toBe(false);
  });

  test("`..` segments the URL itself resolves never reach outside the room's folder", async () => {
    // The server resolves these as URL paths before routing, so they end on
    // another route (404) rather than at the file routes.
    for (const target of ["/v1/rooms/files-room/files/../../../escape.txt", "/v1/rooms/files-room/files/a/%2E%2E/%2E%2E/%2E%2E/escape.txt"]) {
      const answer = await rawRequest("PUT", target);
      expect(answer).toMatch(/^HTTP\/1\.1 (404|422)/);
    }
    expect(existsSync(join(herald.dataDir, "escape.txt"))).toBe(false);
    expect(existsSync(join(herald.dataDir, "files", "escape.txt"))).toBe(false);
  });

  test("a downloaded file cannot run as a page of Herald's origin", async () => {
    await upload("page.html", "<script>alert(1)</script>", "text/html");
    const got = await download("page.html");
    expect(got.headers.get("content-security-policy")).toBe("sandbox");
    expect(got.headers.get("x-content-type-options")).toBe("nosniff");
  });

  test("every file route answers 404 for a room that does not exist", async () => {
    expect((await upload("x.txt", "x", "text/plain", "no-such-room")).status).toBe(404);
    expect((await download("x.txt", {}, "no-such-room")).status).toBe(404);
    expect((await herald.api("GET", "/v1/rooms/no-such-room/files")).status).toBe(404);
    expect((await herald.api("DELETE", "/v1/rooms/no-such-room/files/x.txt")).status).toBe(404);
  });

  test("a missing file answers 404 in the error shape", async () => {
    const missing = await download("never-uploaded.txt");
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as any).error.code).toBe("not_found");
  });
});

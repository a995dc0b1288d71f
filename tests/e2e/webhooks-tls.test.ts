// HTTPS delivery: Herald connects to the address its guard checked, yet
// verifies the certificate against the URL's host name (TLS serverName),
// so a name-based certificate works and a mismatched one is a `tls` error.
// The certificate below is a self-signed test fixture for "localhost"
// (valid for 100 years); its key protects nothing.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "bun";
import { Webhook } from "standardwebhooks";
import { type HeraldProcess, startHerald, waitFor } from "./harness";

const CERT = `-----BEGIN CERTIFICATE-----
MIIBlTCCATugAwIBAgIUQaCcEbWsohCwQ2IOr1M+RgONFC0wCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTIwMzE2NTI1NVoYDzIxMjYxMTA5
MTY1MjU1WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAS9TMKHjO6AI6YNO/omgK+dgr1VXQWmNfji7oQneQC+NDaS4wqCzmvz
/pd4f4JTahVD/K35ouDMrWRGpY3DtL71o2kwZzAdBgNVHQ4EFgQUS8WwTztW8esr
Ix492z4zMkDba38wHwYDVR0jBBgwFoAUS8WwTztW8esrIx492z4zMkDba38wDwYD
VR0TAQH/BAUwAwEB/zAUBgNVHREEDTALgglsb2NhbGhvc3QwCgYIKoZIzj0EAwID
SAAwRQIhAL7H+xGJp802T0Wp5x2Z0j2h4IOFkw39zC6VnU1ak4seAiBDvlbTu3oU
uD4HWL7UjpU6jGPUkE9nYsgVAbk065gfQg==
-----END CERTIFICATE-----`;

const KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgyGNPrnSI+eMOAzah
Vv/hmgTAOEeuITsQx6+FsrbvxhmhRANCAAS9TMKHjO6AI6YNO/omgK+dgr1VXQWm
Nfji7oQneQC+NDaS4wqCzmvz/pd4f4JTahVD/K35ouDMrWRGpY3DtL71
-----END PRIVATE KEY-----`;

let herald: HeraldProcess;
let server: Server<undefined>;
let caDir: string;
const received: Array<{ host: string | null; headers: Record<string, string>; body: string }> = [];

beforeAll(async () => {
  server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    tls: { cert: CERT, key: KEY },
    async fetch(request) {
      received.push({
        host: request.headers.get("host"),
        headers: Object.fromEntries(request.headers),
        body: await request.text(),
      });
      return new Response("ok");
    },
  });
  caDir = mkdtempSync(join(tmpdir(), "herald-tls-"));
  writeFileSync(join(caDir, "ca.pem"), CERT);
  // Herald trusts the fixture like a public CA; nothing else about TLS is relaxed.
  herald = await startHerald({
    env: { NODE_EXTRA_CA_CERTS: join(caDir, "ca.pem"), HERALD_RETRY_SCHEDULE: "50ms" },
  });
  expect((await herald.api("POST", "/v1/rooms", { id: "tls" })).status).toBe(201);
});
afterAll(async () => {
  await herald.stop();
  server.stop(true);
  rmSync(caDir, { recursive: true, force: true });
});

async function finished(webhookId: string) {
  return waitFor(async () => {
    const [listed] = (await herald.api("GET", `/v1/webhooks/${webhookId}/deliveries`)).body.data;
    return listed && listed.status !== "pending" ? listed : null;
  });
}

test("an https URL by name is verified against that name and delivered, with the original Host", async () => {
  const hook = (await herald.api("POST", "/v1/webhooks", { url: `https://localhost:${server.port}/in`, roomId: "tls", events: ["app.named"] })).body;
  await herald.api("POST", "/v1/events", { type: "app.named", roomId: "tls", data: {} });
  expect(await finished(hook.id)).toMatchObject({ status: "success", attemptCount: 1, lastStatusCode: 200 });
  const request = received.find((r) => JSON.parse(r.body).type === "app.named");
  expect(request?.host).toBe(`localhost:${server.port}`);
  new Webhook(hook.secret).verify(request!.body, request!.headers);
});

test("a certificate that does not name the host is a tls error, and is retried", async () => {
  const hook = (await herald.api("POST", "/v1/webhooks", { url: `https://127.0.0.1:${server.port}/in`, roomId: "tls", events: ["app.by-ip"] })).body;
  await herald.api("POST", "/v1/events", { type: "app.by-ip", roomId: "tls", data: {} });
  expect(await finished(hook.id)).toMatchObject({ status: "failed", attemptCount: 2, lastStatusCode: 0, lastError: "tls" });
  expect(received.some((r) => r.body.includes("app.by-ip"))).toBe(false);
});

// A webhook holds only what can be sent as it is stored. Values that
// fetch would refuse, strip or reinterpret on the way out are a 422 when
// the webhook is made or changed, naming what is wrong; values that are
// taken arrive at the receiver byte for byte.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type HeraldProcess, startHerald, startReceiver, waitFor } from "./harness";
import { webhookFixtures } from "./webhook-fixtures";

let herald: HeraldProcess;
let hookId: string;

beforeAll(async () => {
  herald = await startHerald();
  hookId = (await createHook({ url: "http://127.0.0.1:9/kept", headers: { "X-Kept": "1" } })).id;
});
afterAll(() => herald.stop());

const { newRoom, createHook, publish } = webhookFixtures(() => herald, "input-room");

/** Creating with the body, then PATCHing the shared webhook with it: both must refuse. */
async function refusedBoth(body: Record<string, unknown>) {
  const created = await herald.api("POST", "/v1/webhooks", { url: "http://127.0.0.1:9/x", ...body });
  const patched = await herald.api("PATCH", `/v1/webhooks/${hookId}`, body);
  return [created, patched];
}

describe("header values that cannot be sent as stored", () => {
  const cases: Array<[string, string, string, RegExp]> = [
    ["text past Latin-1, which fetch refuses", "X-Utf", "日本", /must be ASCII/],
    ["Latin-1 text, which clients disagree on", "X-Latin", "caf\u00e9", /must be ASCII/],
    ["a control character, which would go out raw", "X-Ctl", "a\u0001b", /control characters/],
    ["a DEL", "X-Del", "a\u007f", /control characters/],
    ["a NUL", "X-Nul", "a\u0000b", /control characters/],
    ["a line break", "X-Crlf", "a\r\nX-Injected: 1", /line breaks/],
    ["a leading space, which HTTP drops", "X-Lead", "  padded", /start or end/],
    ["a trailing tab, which HTTP drops", "X-Trail", "padded\t", /start or end/],
  ];
  for (const [label, name, value, message] of cases) {
    test(`${label} is a 422 naming the header, on create and on PATCH`, async () => {
      for (const answer of await refusedBoth({ headers: { [name]: value } })) {
        expect(answer.status).toBe(422);
        expect(answer.body.error.details).toEqual([{ field: "headers", message: expect.stringMatching(message) }]);
        expect(answer.body.error.message).toContain(`"${name}"`);
      }
    });
  }

  test("a header name that is not an RFC 9110 token is a 422 naming it", async () => {
    for (const answer of await refusedBoth({ headers: { "X Spaced": "1" } })) {
      expect(answer.status).toBe(422);
      expect(answer.body.error.message).toContain('"X Spaced" is not a valid header name');
    }
  });

  test("a refused PATCH leaves the webhook's headers as they were", async () => {
    await refusedBoth({ headers: { "X-Utf": "日本" } });
    expect((await herald.api("GET", `/v1/webhooks/${hookId}`)).body.headers).toEqual({ "X-Kept": "1" });
  });

  test("header values that are taken arrive byte for byte: tabs inside, every visible ASCII character, nothing", async () => {
    const roomId = await newRoom();
    const receiver = startReceiver();
    const headers = {
      "X-Tab": "a\tb  c",
      "X-Punct": "a!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~z",
      "X-Empty": "",
    };
    const hook = await createHook({ url: receiver.url, roomId, headers });
    expect(hook.headers).toEqual(headers);
    await publish(roomId);
    await waitFor(() => receiver.requests.length === 1);
    expect(receiver.requests[0].headers).toMatchObject({ "x-tab": "a\tb  c", "x-punct": headers["X-Punct"], "x-empty": "" });
    receiver.stop();
  });
});

describe("URLs that would not be sent as written", () => {
  const cases: Array<[string, string, RegExp]> = [
    ["surrounding spaces, which the parser strips", " http://127.0.0.1:9/x ", /spaces/],
    ["an embedded newline, which the parser drops", "http://127.0.0.1:9/\nx", /line breaks/],
    ["an embedded tab", "http://127.0.0.1:9/a\tb", /tabs/],
    ["a backslash, which the parser reads as a slash", "http://127.0.0.1:9\\@example.com/", /backslashes/],
    ["no host, which the parser fills from the path", "http:///x", /must name a host/],
    ["no slashes after the scheme", "http:127.0.0.1:9/x", /must start with http:\/\//],
    ["port 0", "http://127.0.0.1:0/x", /port as a number from 1 to 65535/],
    ["a percent-escaped host", "http://%6c%6fcalhost:9/x", /host plainly/],
    ["full-width letters in the host", "http://ｅｘａｍｐｌｅ.com/x", /host plainly/],
    ["a fragment, which is never sent", "http://127.0.0.1:9/x#part", /fragment/],
  ];
  for (const [label, url, message] of cases) {
    test(`a URL with ${label} is a 422 naming url, on create and on PATCH`, async () => {
      for (const answer of await refusedBoth({ url })) {
        expect(answer.status).toBe(422);
        expect(answer.body.error.details).toEqual([{ field: "url", message: expect.stringMatching(message) }]);
      }
    });
  }

  test("a refused PATCH leaves the webhook's URL as it was", async () => {
    await refusedBoth({ url: "http:///x" });
    expect((await herald.api("GET", `/v1/webhooks/${hookId}`)).body.url).toBe("http://127.0.0.1:9/kept");
  });

  test("the URL taken is the URL requested: its path and query arrive as stored", async () => {
    const roomId = await newRoom();
    const requested: string[] = [];
    using server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (request) => (requested.push(new URL(request.url).href), new Response("ok")),
    });
    const url = `http://127.0.0.1:${server.port}/in/a%20b?x=1&y=%C3%A9`;
    const hook = await createHook({ url, roomId });
    expect(hook.url).toBe(url);
    await publish(roomId);
    await waitFor(() => requested.length === 1);
    expect(requested).toEqual([url]);
  });
});

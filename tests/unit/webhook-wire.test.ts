// The rules that keep a stored webhook equal to what goes on the wire
// (src/delivery/wire.ts), the HTTP client refusing a request that breaks
// them, and the replay's timestamps (src/modules/webhooks/time.ts), as
// labelled cases.

import { describe, expect, test } from "bun:test";
import { makeAllowList } from "../../src/delivery/address-guard";
import { send } from "../../src/delivery/http-client";
import { headerProblem, urlProblem } from "../../src/delivery/wire";
import { HeraldError } from "../../src/http/errors";
import { checkTime } from "../../src/modules/webhooks/time";

describe("header values", () => {
  const sendable: Array<[string, string]> = [
    ["a token", "Bearer abc.def-123"],
    ["visible ASCII punctuation", `a!"#$%&'()*+,-./:;<=>?@[\\]^_\`{|}~z`],
    ["a tab and spaces inside", "a\tb  c"],
    ["nothing", ""],
  ];
  for (const [label, value] of sendable) {
    test(`${label} can be sent`, () => expect(headerProblem("X-A", value)).toBeNull());
  }

  const refused: Array<[string, string, RegExp]> = [
    ["a CR LF", "s3cret\r\nX-B: 1", /line breaks/],
    ["a NUL", "s3cret\0b", /control/],
    ["a control character", "s3cret\u0001b", /control/],
    ["a DEL", "s3cret\u007fb", /control/],
    ["Latin-1 text", "s3cret caf\u00e9", /ASCII/],
    ["text past Latin-1", "s3cret 日本", /ASCII/],
    ["a leading space", " s3cret", /start or end/],
    ["a trailing tab", "s3cret\t", /start or end/],
  ];
  for (const [label, value, message] of refused) {
    test(`${label} is refused, naming the header but not quoting the value`, () => {
      const problem = headerProblem("X-Secretive", value) ?? "";
      expect(problem).toMatch(message);
      expect(problem).toContain('"X-Secretive"');
      expect(problem).not.toContain("s3cret");
    });
  }

  test("a name that is not an RFC 9110 token is refused, shown with its controls escaped", () => {
    expect(headerProblem("X-A\r\nX-B", "1")).toContain("X-A\\r\\nX-B");
    expect(headerProblem("X A", "1")).toContain("not a valid header name");
    expect(headerProblem("Ünicode", "1")).toContain("not a valid header name");
  });
});

describe("webhook URLs", () => {
  const kept = [
    "https://hooks.example.com/in?x=1",
    "HTTP://Example.COM:8080/a/b",
    "http://127.0.0.1:9/x",
    "http://0x7f000001:9/x",
    "http://2130706433/x",
    "http://[::ffff:127.0.0.1]:9/x",
    "http://[0:0:0:0:0:0:0:1]/x",
    "http://localhost./x",
    "https://bücher.example/x",
    "https://example.com/café",
  ];
  for (const url of kept) test(`${url} is sent as written`, () => expect(urlProblem(url)).toBeNull());

  const refused: Array<[string, string, RegExp]> = [
    ["surrounding spaces", " http://example.com/ ", /spaces/],
    ["an embedded newline", "http://example.com/\nx", /line breaks/],
    ["an embedded tab", "http://exa\tmple.com/", /tabs/],
    ["a no-break space", "http://example.com/\u00a0", /spaces/],
    ["a line separator", "http://example.com/\u2028", /spaces|line breaks/],
    ["a backslash", "http://example.com\\@evil.example/", /backslashes/],
    ["no host between the slashes", "http:///x", /name a host/],
    ["no slashes at all", "http:example.com/x", /start with http:\/\//],
    ["one slash", "http:/example.com/x", /start with http:\/\//],
    ["port 0", "http://example.com:0/", /port/],
    ["an empty port", "http://example.com:/", /port/],
    ["a port past 65535", "http://example.com:65536/", /absolute http/],
    ["a percent-escaped host", "http://%6c%6fcalhost/", /host plainly/],
    ["full-width letters", "http://ｅｘａｍｐｌｅ.com/", /host plainly/],
    ["an ideographic full stop", "http://example。com/", /host plainly/],
    ["a soft hyphen in the host", "http://exa\u00admple.com/", /host plainly/],
    ["an empty user", "http://@example.com/", /credentials/],
    ["credentials", "https://user:pw@example.com/", /credentials/],
    ["a fragment", "https://example.com/in#part", /fragment/],
    ["ftp", "ftp://example.com/", /http or https/],
    ["a relative path", "/hooks", /absolute/],
  ];
  for (const [label, url, message] of refused) {
    test(`a URL with ${label} is refused`, () => expect(urlProblem(url) ?? "").toMatch(message));
  }
});

describe("replay timestamps", () => {
  const read: Array<[string, string]> = [
    ["2026-03-01T12:00:00Z", "2026-03-01T12:00:00.000Z"],
    ["2026-03-01t12:00z", "2026-03-01T12:00:00.000Z"],
    ["2026-03-01T13:30:00+01:30", "2026-03-01T12:00:00.000Z"],
    ["2026-03-01T00:00:00-05:00", "2026-03-01T05:00:00.000Z"],
    ["2024-02-29T00:00:00Z", "2024-02-29T00:00:00.000Z"],
    ["2026-03-01T12:00:00.123Z", "2026-03-01T12:00:00.123Z"],
    // The log holds whole milliseconds: anything past one rounds up.
    ["2026-03-01T12:00:00.1230001Z", "2026-03-01T12:00:00.124Z"],
    ["2026-03-01T12:00:00.999999999Z", "2026-03-01T12:00:01.000Z"],
    ["0000-01-01T00:00:00Z", "0000-01-01T00:00:00.000Z"],
  ];
  for (const [text, iso] of read) test(`${text} is read as ${iso}`, () => expect(checkTime("since", text)).toBe(iso));

  const refused: Array<[string, string]> = [
    ["31 February", "2026-02-31T00:00:00Z"],
    ["29 February in a common year", "2026-02-29T00:00:00Z"],
    ["month 13", "2026-13-01T00:00:00Z"],
    ["hour 24", "2026-01-01T24:00:00Z"],
    ["minute 60", "2026-01-01T00:60:00Z"],
    ["a leap second", "2026-12-31T23:59:60Z"],
    ["no zone", "2026-01-01T00:00:00"],
    ["a space for T and no zone", "2026-01-01 00:00"],
    ["a date alone", "2026-01-01"],
    ["an offset of 99 hours", "2026-01-01T00:00:00+99:00"],
    ["an offset without a colon", "2026-01-01T00:00:00+0100"],
    ["a six-digit year", "+275760-09-13T00:00:00Z"],
    ["a time past year 9999 in UTC", "9999-12-31T23:00:00-02:00"],
    ["words", "yesterday"],
    ["trailing text", "2026-01-01T00:00:00Zgarbage"],
  ];
  for (const [label, text] of refused) {
    test(`${label} is refused, naming the field`, () => {
      let thrown: unknown;
      try {
        checkTime("until", text);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(HeraldError);
      expect((thrown as HeraldError).details).toMatchObject([{ field: "until" }]);
    });
  }
});

describe("an attempt whose stored request cannot be sent", () => {
  // Rows written before the API checked these: Bun's fetch used to throw
  // "Header has invalid value" before connecting, which was recorded as
  // connection_reset and retried through the whole schedule.
  const cases: Array<[string, (base: string) => { url: string; headers: Record<string, string> }, RegExp]> = [
    ["a header value past Latin-1", (base) => ({ url: base, headers: { "X-Utf": "日本" } }), /"X-Utf" must be ASCII/],
    ["a control character in a header", (base) => ({ url: base, headers: { "X-Ctl": "a\u0001b" } }), /"X-Ctl"/],
    ["a URL with a newline in it", (base) => ({ url: `${base}\nx`, headers: {} }), /url must not contain/],
  ];
  for (const [label, request, reason] of cases) {
    test(`${label} is refused before connecting, not retried, with the reason kept`, async () => {
      let contacted = 0;
      using server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => (contacted++, new Response("ok")) });
      const { url, headers } = request(`http://127.0.0.1:${server.port}/in`);
      const result = await send({ url, headers, body: "{}", timeoutMs: 1000, allow: makeAllowList(["*"]) });
      expect(result).toMatchObject({ statusCode: 0, error: "blocked_address" });
      expect(result.responseBody).toMatch(reason);
      expect(result.responseBody).toStartWith("Herald did not send this request");
      expect(contacted).toBe(0);
    });
  }
});

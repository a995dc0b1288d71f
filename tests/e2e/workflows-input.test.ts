// A workflow's fields are kept as given or refused with a 422 naming what
// is wrong, never stored as something else. Regressions from a tester's
// reports: a secret named __proto__ answered 201 and vanished; allowedHosts
// took "*", "*.example.com", "." (stored as "") and rewrote "a\nb.com" and
// "%41.com"; a source containing `eval(` or calling require() saved fine
// and then failed every execution.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type HeraldProcess, startHerald } from "./harness";

let herald: HeraldProcess;

beforeAll(async () => {
  herald = await startHerald();
});
afterAll(async () => {
  await herald?.stop();
});

const handler = "export default () => 1;";
const create = (fields: Record<string, unknown>) => herald.api("POST", "/v1/workflows", { name: "input", source: handler, ...fields });
const testRun = (id: string, roomId = "r") =>
  herald.api("POST", `/v1/workflows/${id}/test`, { event: { type: "app.x", roomId, data: {} } }).then((answer) => answer.body);

describe("allowedHosts", () => {
  const refused: Array<[label: string, entry: string, says: string]> = [
    ["a lone star", "*", "wildcard"],
    ["a wildcard subdomain", "*.example.com", "wildcard"],
    ["a dot", ".", "not a host name"],
    ["two dots", "..", "not a host name"],
    ["a newline inside", "a\nb.com", "white space"],
    ["a trailing tab", "a.com\t", "white space"],
    ["a percent escape", "%41.com", "escapes"],
    ["a scheme", "https://example.com", "scheme"],
    ["a port", "example.com:8080", "port"],
    ["an IPv6 literal with a port", "[::1]:80", "port"],
    ["a path", "example.com/a", "path"],
    ["credentials", "u@example.com", "credentials"],
    ["a backslash", "a\\b.com", "not a host name"],
    ["an underscore", "a_b.example.com", "not a host name"],
    ["a label ending in a hyphen", "a-.example.com", "not a host name"],
    ["a decimal number", "2130706433", "IPv4"],
    ["a hex last label", "a.0x7f", "IPv4"],
    ["an IPv4 address with a leading zero", "127.0.0.01", "IPv4"],
    ["an IPv4 octet past 255", "256.1.1.1", "IPv4"],
    ["a non-ASCII name", "bücher.de", '"xn--bcher-kva.de"'],
    ["an IPv6 zone", "fe80::1%eth0", "not a host name"],
  ];
  for (const [label, entry, says] of refused) {
    test(`${label} is refused naming the entry`, async () => {
      const answer = await create({ allowedHosts: ["ok.example.com", entry] });
      expect(answer.status).toBe(422);
      expect(answer.body.error.details[0].field).toBe("allowedHosts.1");
      expect(answer.body.error.message).toContain(JSON.stringify(entry));
      expect(answer.body.error.message).toContain(says);
    });
  }

  test("host names and IP literals are kept, lower-cased, trailing dot and brackets dropped", async () => {
    const answer = await create({ allowedHosts: ["API.Example.COM.", "localhost", "xn--bcher-kva.de", "203.0.113.7", "[::1]", "2001:DB8::1"] });
    expect(answer.status).toBe(201);
    expect(answer.body.allowedHosts).toEqual(["api.example.com", "localhost", "xn--bcher-kva.de", "203.0.113.7", "::1", "2001:db8::1"]);
  });

  test("PATCH checks them the same way", async () => {
    const made = await create({});
    const answer = await herald.api("PATCH", `/v1/workflows/${made.body.id}`, { allowedHosts: ["*.example.com"] });
    expect(answer.status).toBe(422);
    expect(answer.body.error.details[0].field).toBe("allowedHosts.0");
  });
});

describe("secrets", () => {
  for (const name of ["__proto__", "constructor", "prototype"]) {
    test(`a secret named ${name} is refused, on create and on PATCH`, async () => {
      // Raw JSON: an object literal would not carry an own __proto__ key.
      const body = `{"name":"s","source":${JSON.stringify(handler)},"secrets":{"${name}":"x","B":"b"}}`;
      const created = await herald.api("POST", "/v1/workflows", body);
      expect(created.status).toBe(422);
      expect(created.body.error.message).toContain(`"${name}" is reserved`);

      const made = await create({});
      const patched = await herald.api("PATCH", `/v1/workflows/${made.body.id}`, `{"secrets":{"${name}":"x"}}`);
      expect(patched.status).toBe(422);
    });
  }

  test("every accepted secret name is listed and reaches env", async () => {
    const made = await create({
      source: "export default (e, { env }) => Object.keys(env).sort();",
      secrets: { _proto: "1", PROTO__: "2", hasOwnProperty: "3", toString: "4" },
    });
    expect(made.status).toBe(201);
    expect(made.body.secrets).toEqual(["PROTO__", "_proto", "hasOwnProperty", "toString"]);
    const execution = await testRun(made.body.id);
    expect(execution.result).toEqual(["PROTO__", "_proto", "hasOwnProperty", "toString"]);
  });
});

describe("sources the sandbox would refuse", () => {
  const refused: Array<[label: string, source: string, line: number, column: number, says: string]> = [
    ["eval( inside a string", 'export default () => {\n  return "call eval(x) later";\n};', 2, 16, '"eval("'],
    ["import( inside a string", 'export default () => "import(x)";', 1, 23, '"import("'],
    ["<!-- inside a string", 'export default () => "<!--";', 1, 23, "HTML comment"],
    ["a require() call", 'export default () => {\n  return require("fs");\n};', 2, 10, "require"],
    ["a with statement", "export default () => {\n  with ({}) {}\n};", 2, 3, "strict-mode"],
  ];
  for (const [label, source, line, column, says] of refused) {
    test(`${label} is refused at save with its line and column`, async () => {
      const answer = await create({ source });
      expect(answer.status).toBe(422);
      expect(answer.body.error.details[0]).toMatchObject({ field: "source", line, column });
      expect(answer.body.error.message).toContain(says);
    });
  }

  test("a PATCH to such a source is refused and the version stays", async () => {
    const made = await create({});
    const answer = await herald.api("PATCH", `/v1/workflows/${made.body.id}`, { source: 'export default () => "eval(";' });
    expect(answer.status).toBe(422);
    expect((await herald.api("GET", `/v1/workflows/${made.body.id}`)).body.version).toBe(1);
  });
});

test("a store key named __proto__ is read back by the API and by a workflow", async () => {
  await herald.api("POST", "/v1/rooms", { id: "proto-room" });
  const put = await herald.api("PUT", "/v1/rooms/proto-room/stores/s/keys/__proto__", { value: { polluted: true } });
  expect(put.status).toBeLessThan(300);
  const read = await herald.api("GET", "/v1/rooms/proto-room/stores/s");
  expect(read.body.data).toEqual(JSON.parse('{"__proto__":{"polluted":true}}'));

  const made = await create({ source: 'export default async (e, { store }) => Object.keys(await store.getAll("s"));' });
  expect((await testRun(made.body.id, "proto-room")).result).toEqual(["__proto__"]);
});

test("hostile sources are refused with a 4xx or saved and run to a clear end, never a 5xx", async () => {
  const sources: Record<string, string> = {
    "a syntax error on line 5": "\n\n\n\nexport default () => { return 1 +* 2 }",
    "an unterminated template": "export default () => `abc",
    "only white space": " ",
    "a static import": 'import fs from "fs";\nexport default () => fs;',
    "a re-export": 'export * from "fs";\nexport default () => 1;',
    "JSX": "export default () => <div/>;",
    "top-level await": "const v = await Promise.resolve(1);\nexport default () => v;",
    "a NUL": "export default () => 1;\u0000",
    "a byte-order mark": "\ufeffexport default () => 1;",
    "20,000 nested brackets": `export default () => ${"[".repeat(20000)}${"]".repeat(20000)};`,
    "200,000 additions": `export default () => 1${"+1".repeat(200000)};`,
    "a default export that is not a function": "export default 5;",
    "code built at run time that imports": 'export default () => new Function("return imp" + "ort(\'fs\')")();',
  };
  for (const [label, source] of Object.entries(sources)) {
    const answer = await create({ source });
    expect({ label, status: answer.status < 500 }).toEqual({ label, status: true });
    if (answer.status !== 201) continue;
    const execution = await testRun(answer.body.id);
    expect({ label, status: ["success", "failed"].includes(execution.status) }).toEqual({ label, status: true });
  }
});

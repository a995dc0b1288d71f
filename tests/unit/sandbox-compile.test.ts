// Sources the guest could never run are refused when they are saved, with
// their place in the source as written: SES's textual rejections (which
// apply inside strings too), require, and the engine's strict-mode early
// errors. Regression: a source containing `eval(` in a string was saved and
// then failed every execution with SES_EVAL_REJECTED at a wrong line.

import { describe, expect, test } from "bun:test";
import { compile, CompileError } from "../../src/sandbox/compile";

async function refusal(source: string): Promise<CompileError> {
  const error = await compile(source).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CompileError);

  return error as CompileError;
}

describe("text SES refuses anywhere", () => {
  const cases: Array<[label: string, source: string, line: number, column: number, says: string]> = [
    ["eval( in a string", 'export default () => "call eval(x) later";', 1, 28, '"eval("'],
    ["eval ( with a space, third line", 'export default () => {\n  const a = 1;\n  return "x" + "eval (y)";\n};', 3, 17, '"eval("'],
    ["a method named eval", "export default () => ({ eval(x) { return x; } }).eval(1);", 1, 25, '"eval("'],
    ["import( in a string", 'export default () => {\n  return "import(x)";\n};', 2, 11, '"import("'],
    ["<!-- in a string", 'export default () => {\n  return "<!-- x";\n};', 2, 11, "HTML comment"],
    ["--> in a template", "export default () => `a --> b`;", 1, 25, "HTML comment"],
    ["eval( in a comment the compiler keeps", "/*! eval(x) */\nexport default () => 1;", 1, 5, '"eval("'],
    ["eval( in TypeScript, types before it", 'interface A { x: number }\n\nexport default (e: A): string => {\n  return "eval(";\n};', 4, 11, '"eval("'],
  ];
  for (const [label, source, line, column, says] of cases) {
    test(`${label} is refused at line ${line}, column ${column}`, async () => {
      const error = await refusal(source);
      expect([error.line, error.column]).toEqual([line, column]);
      expect(error.message).toContain(says);
      expect(error.message).toContain(`at line ${line}, column ${column}`);
      expect(error.message).toContain("even inside a string");
    });
  }

  test("the eval message says how to write it instead", async () => {
    const error = await refusal('export default () => "eval(";');
    expect(error.message).toContain('"ev" + "al("');
  });

  test("such text in an ordinary comment is fine, since the compiler drops it", async () => {
    await compile("// eval(x), import(y), <!-- z\nexport default () => 1;");
  });

  test("indirect eval, a property named eval and import.meta.url are fine", async () => {
    await compile('export default () => [(0, eval)("1 + 1"), { eval: 1 }.eval, import.meta.url, "import.meta"];');
  });
});

describe("require", () => {
  test("a call is refused with its place", async () => {
    const error = await refusal('export default () => {\n  return require("fs");\n};');
    expect([error.line, error.column]).toEqual([2, 10]);
    expect(error.message).toContain("require");
  });

  test("an indirect use is refused too", async () => {
    const error = await refusal('export default () => (0, require)("fs");');
    expect([error.line, error.column]).toEqual([1, 26]);
  });

  test("typeof require and the word in a string are fine", async () => {
    await compile('export default () => [typeof require, "require(x)"];');
  });

  test("an import names the line and column of its specifier", async () => {
    const error = await refusal('export default () => 1;\nimport fs from "node:fs";');
    expect([error.line, error.column]).toEqual([2, 16]);
    expect(error.message).toContain("cannot import");
  });
});

describe("strict-mode early errors", () => {
  const cases: Array<[label: string, source: string, line: number, says: string]> = [
    ["a with statement", "export default () => {\n  with ({}) {}\n};", 2, "'with'"],
    ["import.meta on its own", "export default () => {\n  const a = 1;\n  return import.meta;\n};", 3, "import.meta"],
  ];
  for (const [label, source, line, says] of cases) {
    test(`${label} is refused at line ${line}`, async () => {
      const error = await refusal(source);
      expect(error.line).toBe(line);
      expect(error.message).toContain(says);
      expect(error.message).toContain("strict-mode");
    });
  }
});

// Turns a workflow's source (JavaScript or TypeScript, an ES module whose
// default export is the handler) into a script the guest can evaluate in
// a Compartment, once, when the workflow is saved.
//
// Why this way. SES Compartments evaluate scripts, not modules, and
// `@endo/module-source` (SES's own module transform) does not run on Bun.
// Bun's transpiler strips types but reprints the code, dropping blank
// lines and comments, and has no option that keeps line structure; its
// bundler (Bun.build, the same parser and printer) can also emit a source
// map. So:
//   1. Bun.Transpiler parses the source: a syntax error is refused with
//      its line and column, and `scan` lists imports, which are refused
//      (a workflow has no modules to import) along with a missing default
//      export.
//   2. Bun.build, from memory, emits the module as a CommonJS body
//      (`module.exports.default` is the handler) plus a source map.
//   3. What the guest would refuse to run (SES's textual rejections,
//      `require`, strict-mode early errors) is refused with its place in
//      the source (src/sandbox/compile-checks.ts).
// The compiled form keeps the script and the map's `mappings`, which
// src/sandbox/stack.ts uses to name error frames by the lines and
// columns of the source as written (`workflow:<line>:<column>`).

import { findRefusal, lineColumn, REQUIRE_MARK } from "./compile-checks";
import { SOURCE_URL } from "./protocol";

export interface Compiled {
  /** The script the guest evaluates. */
  script: string;
  /** Source Map v3 `mappings` from the script back to the source. */
  mappings: string;
}

export class CompileError extends Error {
  constructor(
    message: string,
    readonly line: number | null,
    readonly column: number | null,
  ) {
    super(message);
    this.name = "CompileError";
  }
}

const transpiler = new Bun.Transpiler({ loader: "ts", target: "browser" });

// A path that exists nowhere, so the bundler finds no tsconfig or
// package.json of Herald's own to apply to the workflow.
const VIRTUAL_PATH = `/herald-virtual/${SOURCE_URL}.ts`;

interface BuildMessageLike {
  message?: string;
  position?: { line?: number; column?: number } | null;
}

function positionOf(error: unknown): { line: number | null; column: number | null; text: string } {
  const found = error as BuildMessageLike & { errors?: BuildMessageLike[] };
  const first = found.position ? found : found.errors?.[0] ?? found;
  const line = first.position?.line ?? null;
  const column = first.position?.column ?? null;

  return { line, column, text: String(first.message ?? error).replace(/\s+/g, " ").trim() };
}

function refuse(error: unknown): never {
  const { line, column, text } = positionOf(error);
  const at = line !== null ? ` at line ${line}, column ${column ?? 0}` : "";
  throw new CompileError(`The source does not parse${at}: ${text}`, line, column);
}

export async function compile(source: string): Promise<Compiled> {
  let scanned: { exports: string[]; imports: Array<{ path: string; kind: string }> };
  try {
    scanned = transpiler.scan(source);
  } catch (error) {
    refuse(error);
  }
  if (scanned.imports.length > 0) {
    const names = scanned.imports.map((entry) => `"${entry.path}"`).join(", ");
    const at = specifierPosition(source, scanned.imports[0].path);
    const where = at ? ` at line ${at.line}, column ${at.column}` : "";
    throw new CompileError(
      `Workflows cannot import modules or call require() or import() (found ${names}${where}); use the bindings and globals instead.`,
      at?.line ?? null,
      at?.column ?? null,
    );
  }
  if (!scanned.exports.includes("default")) {
    throw new CompileError(
      "The source has no default export; export the handler with `export default async function (event, bindings) { … }`.",
      null,
      null,
    );
  }

  const build = await Bun.build({
    entrypoints: [VIRTUAL_PATH],
    files: { [VIRTUAL_PATH]: source },
    format: "cjs",
    target: "browser",
    sourcemap: "external",
    minify: false,
    throw: false,
    // The bundler treats these names as CommonJS's and would fold
    // `typeof require` into "function"; a workflow has none of them.
    // `require` becomes a mark that compile-checks.ts refuses, in place.
    define: { require: REQUIRE_MARK, module: "undefined", exports: "undefined", __dirname: "undefined", __filename: "undefined" },
  });
  if (!build.success) refuse(build.logs.find((entry) => entry.level === "error") ?? build.logs[0]);
  const script = build.outputs.find((output) => output.kind === "entry-point");
  const map = build.outputs.find((output) => output.kind === "sourcemap");
  if (!script || !map) throw new CompileError("The source could not be compiled.", null, null);

  const text = await script.text();
  const mappings = (JSON.parse(await map.text()) as { mappings: string }).mappings;
  const refusal = findRefusal(source, text, mappings);
  if (refusal) throw new CompileError(refusal.message, refusal.line, refusal.column);

  return { script: text, mappings };
}

/** Where an import's specifier is first written, quoted, in the source. */
function specifierPosition(source: string, path: string): { line: number; column: number } | null {
  const found = ['"', "'", "`"]
    .map((quote) => source.indexOf(`${quote}${path}${quote}`))
    .filter((index) => index >= 0);

  return found.length > 0 ? lineColumn(source, Math.min(...found)) : null;
}

/** The stored form: one JSON text in the `compiled` column. */
export const encodeCompiled = (compiled: Compiled): string => JSON.stringify(compiled);
export const decodeCompiled = (text: string): Compiled => JSON.parse(text) as Compiled;

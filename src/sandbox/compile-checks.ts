// What the guest would refuse to run, found when a workflow is saved, so
// that such a source is a 422 naming its line and column instead of an
// execution that fails every time. Checked on the compiled script (what
// the guest evaluates: Bun drops comments and reprints strings) and placed
// in the source as written through the script's source map.
//
// 1. SES refuses, by pattern and wherever they appear (strings included),
//    text that looks like an HTML comment, a dynamic import or a direct
//    eval (node_modules/ses/src/transforms.js: rejectHtmlComments,
//    rejectImportExpressions and rejectSomeDirectEvalExpressions; errors
//    SES_HTML_COMMENT_REJECTED, SES_IMPORT_REJECTED, SES_EVAL_REJECTED).
//    The patterns below are SES's own, so they refuse exactly what it does.
// 2. `require`: the compiler replaces the free name with REQUIRE_MARK, so
//    any use of it but `typeof require` is found here; a workflow has no
//    modules.
// 3. The engine's own early errors in strict mode (a `with` statement,
//    `import.meta` outside a module, a name declared twice): the script is
//    parsed, never run, by the same engine the guest uses.
//
// Pure apart from parsing with the Function constructor; no side effects
// on import.

import { decodeMappings, originalPosition, type Segment } from "./source-map";
import { SCRIPT_PREFIX } from "./protocol";

/** What the compiler writes for the free name `require` (see compile.ts). */
export const REQUIRE_MARK = "__herald_require__";

export interface Refusal {
  message: string;
  line: number | null;
  column: number | null;
}

interface TextRule {
  pattern: RegExp;
  /** The sentence for a match, given ` at line L, column C` or "". */
  message(where: string): string;
}

const anywhere = (text: string, where: string, kind: string) =>
  `The source contains ${text}${where}, which the sandbox refuses anywhere, even inside a string: SES rejects text that looks like ${kind}.`;

const RULES: TextRule[] = [
  {
    pattern: /(?:<!--|-->)/,
    message: (where) => `${anywhere('"<!--" or "-->"', where, "an HTML comment")} Build the text another way (e.g. "<!" + "--").`,
  },
  {
    pattern: /(^|[^.]|\.\.\.)\bimport(\s*(?:\(|\/[/*]))/,
    message: (where) => `${anywhere('"import("', where, "a dynamic import")} Split the word (e.g. "imp" + "ort(").`,
  },
  {
    pattern: /(^|[^.])\beval(\s*\()/,
    message: (where) =>
      `${anywhere('"eval("', where, "a direct eval")} Split the word (e.g. "ev" + "al(") or, to evaluate code, call eval indirectly: (0, eval)(code).`,
  },
  {
    // `typeof require` is left alone: it reads "undefined", as it should.
    pattern: new RegExp(`(?<!\\btypeof\\s*)\\b${REQUIRE_MARK}\\b`),
    message: (where) => `The source uses require${where}; workflows have no modules to load: use the bindings and globals instead.`,
  },
];

/** 1-based line and column of an index into a text. */
export function lineColumn(text: string, index: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let at = text.indexOf("\n"); at !== -1 && at < index; at = text.indexOf("\n", at + 1)) {
    line++;
    lineStart = at + 1;
  }

  return { line, column: index - lineStart + 1 };
}

/**
 * Where a script position came from in the source. The source map names
 * the line; the column is where the pattern matches on that line, since
 * the printer may have rewritten the text before it. Text the map does not
 * place on a line holding it (a kept comment) is looked for in the whole
 * source; text found nowhere as written (an escape the printer resolved)
 * keeps the mapped place.
 */
function placeInSource(
  map: () => Segment[][],
  at: { line: number; column: number },
  source: string,
  pattern: RegExp | null,
): { line: number | null; column: number | null } {
  const mapped = originalPosition(map(), at.line, at.column);
  if (mapped && pattern) {
    const lineStart = lineStartIndex(source, mapped.line);
    const lineEnd = source.indexOf("\n", lineStart);
    const onLine = pattern.exec(source.slice(lineStart, lineEnd < 0 ? undefined : lineEnd));
    if (onLine) return { line: mapped.line, column: onLine.index + (onLine[1]?.length ?? 0) + 1 };
  }
  const found = pattern?.exec(source);
  if (found) return lineColumn(source, found.index + (found[1]?.length ?? 0));

  return mapped ?? { line: null, column: null };
}

function lineStartIndex(text: string, line: number): number {
  let index = 0;
  for (let at = 1; at < line && index !== -1; at++) {
    index = text.indexOf("\n", index);
    if (index !== -1) index++;
  }

  return Math.max(0, index);
}

function strictParseError(script: string): { text: string; scriptLine: number | null } | null {
  try {
    // Parsed only: the function made here is never called.
    new Function(`"use strict"; return ${SCRIPT_PREFIX}${script}\n})`);
    return null;
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    // JSC names the parse position as `<parse> (:N)`, N counting the two
    // lines the Function constructor puts before the body.
    const stack = error instanceof Error ? String(error.stack ?? "") : "";
    const line = /<parse> \(:(\d+)\)/.exec(stack.slice(0, 2000));

    return { text, scriptLine: line ? Number(line[1]) - 2 : null };
  }
}

export function findRefusal(source: string, script: string, mappings: string): Refusal | null {
  let decoded: Segment[][] | null = null;
  const map = () => (decoded ??= decodeMappings(mappings));

  for (const rule of RULES) {
    const found = rule.pattern.exec(script);
    if (!found) continue;
    const at = lineColumn(script, found.index + (found[1]?.length ?? 0));
    const sourcePattern = rule.pattern.source.includes(REQUIRE_MARK) ? /(?<!\btypeof\s*)\brequire\b/ : rule.pattern;
    const { line, column } = placeInSource(map, at, source, sourcePattern);
    const where = line !== null ? ` at line ${line}, column ${column}` : "";
    return { message: rule.message(where), line, column };
  }

  const parse = strictParseError(script);
  if (parse) {
    const lines = script.split("\n");
    const text = parse.scriptLine !== null ? lines[parse.scriptLine - 1] : undefined;
    // The engine names only the line; its first token is the best guess for the column.
    const indent = text === undefined ? 0 : text.length - text.trimStart().length;
    const place = text === undefined ? null : placeInSource(map, { line: parse.scriptLine as number, column: indent + 1 }, source, null);
    const line = place?.line ?? null;
    const where = line !== null ? ` at line ${line}` : "";
    return {
      message: `The source cannot run in the sandbox${where}: ${parse.text} Workflows run as strict-mode JavaScript.`,
      line,
      column: place?.column ?? null,
    };
  }

  return null;
}

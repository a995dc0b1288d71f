// How stacks read inside the guest. Workflow code may read any error's
// `stack`, so the stack must hold nothing of the host: no file paths of
// Herald's own (the worker, SES, Bun's internals) and no frames of the
// compiled script's helpers. installStackFormat() makes every stack in
// the worker read `Name: message` followed by the frames inside the
// workflow only, each named by the line and column of the source as
// written (`    at fn (workflow:4:13)`), as the execution's `error` shows
// them. parseFrames() reads such a stack back, in time linear in its
// length whatever it holds, for the execution's report.
//
// SES (lockdown with errorTaming "unsafe" on a V8-like engine, which Bun
// is for this purpose) lets the start compartment set
// Error.prepareStackTrace and hands the function only safe call-site
// facets; compartments cannot change it (their Error's setter does
// nothing). installStackFormat must run after lockdown(). Importing this
// module has no side effects.

import { decodeMappings, originalPosition, type Segment } from "../src/sandbox/source-map";
import { ERROR_FRAME_LIMIT, SCRIPT_PREFIX, type SourceFrame, SOURCE_URL } from "../src/sandbox/protocol";

/** Function names longer than this are cut; a frame line longer than FRAME_LINE_LIMIT is not one of ours. */
const NAME_LIMIT = 200;
const FRAME_LINE_LIMIT = 1024;

interface CallSite {
  getFileName(): string | null | undefined;
  getFunctionName(): string | null | undefined;
  getLineNumber(): number | null | undefined;
  getColumnNumber(): number | null | undefined;
}

let mappings = "";
let decoded: Segment[][] | null = null;

/** The source map of the script now running; decoded the first time a stack needs it. */
export function useMappings(next: string): void {
  if (next === mappings) return;
  mappings = next;
  decoded = null;
}

function sourcePosition(line: number, column: number): { line: number; column: number } | null {
  decoded ??= decodeMappings(mappings);
  const scriptColumn = line === 1 ? column - SCRIPT_PREFIX.length : column;

  return originalPosition(decoded, line, scriptColumn);
}

function headOf(error: unknown): string {
  try {
    return String(error);
  } catch {
    return "Error";
  }
}

function formatStack(error: unknown, sites: readonly CallSite[]): string {
  const lines = [headOf(error)];
  for (const site of sites) {
    try {
      if (site.getFileName() !== SOURCE_URL) continue;
      const at = sourcePosition(Number(site.getLineNumber()), Number(site.getColumnNumber()));
      if (!at) continue;
      const fn = String(site.getFunctionName() ?? "").slice(0, NAME_LIMIT);
      const where = `${SOURCE_URL}:${at.line}:${at.column}`;
      lines.push(fn ? `    at ${fn} (${where})` : `    at ${where}`);
    } catch {
      // A frame that cannot be read is left out rather than failing the stack.
    }
  }

  return lines.join("\n");
}

export function installStackFormat(): void {
  (Error as unknown as { prepareStackTrace: unknown }).prepareStackTrace = formatStack;
}

/** One `    at fn (workflow:L:C)` or `    at workflow:L:C` line, or null; no regex runs on open-ended text. */
function parseFrame(line: string): SourceFrame | null {
  if (line.length > FRAME_LINE_LIMIT) return null;
  const text = line.trim();
  if (!text.startsWith("at ")) return null;
  let where = text.slice(3).trim();
  let fn: string | null = null;
  if (where.endsWith(")")) {
    const open = where.lastIndexOf("(");
    if (open < 0) return null;
    fn = where.slice(0, open).trim().slice(0, NAME_LIMIT) || null;
    where = where.slice(open + 1, -1);
  }
  if (!where.startsWith(`${SOURCE_URL}:`)) return null;
  const position = /^(\d{1,9}):(\d{1,9})$/.exec(where.slice(SOURCE_URL.length + 1));
  if (!position) return null;

  return { fn, line: Number(position[1]), column: Number(position[2]) };
}

/** The workflow frames of a stack, at most ERROR_FRAME_LIMIT. */
export function parseFrames(stack: string): SourceFrame[] {
  const frames: SourceFrame[] = [];
  let start = 0;
  while (start < stack.length && frames.length < ERROR_FRAME_LIMIT) {
    let end = stack.indexOf("\n", start);
    if (end < 0) end = stack.length;
    const frame = end - start <= FRAME_LINE_LIMIT ? parseFrame(stack.slice(start, end)) : null;
    if (frame) frames.push(frame);
    start = end + 1;
  }

  return frames;
}

// Builds an execution's `error` from what the guest reported: the frames
// inside the workflow's script, mapped back to the source as written and
// written `workflow:<line>:<column>`. Frames in Bun's module helpers, SES
// or the worker itself are dropped: the stack shows the workflow only.
// Pure; no side effects on import.

import { decodeMappings, originalPosition, type Segment } from "./source-map";
import { type RawFrame, SOURCE_URL } from "./protocol";

export interface ExecutionError {
  name: string;
  message: string;
  stack: string;
}

const decoded = new Map<string, Segment[][]>();

/** Decoded maps are reused: one workflow version runs many times. */
function linesOf(mappings: string): Segment[][] {
  let lines = decoded.get(mappings);
  if (!lines) {
    lines = decodeMappings(mappings);
    if (decoded.size >= 256) decoded.delete(decoded.keys().next().value as string);
    decoded.set(mappings, lines);
  }

  return lines;
}

export function mapFrames(frames: readonly RawFrame[], mappings: string): string[] {
  const lines = linesOf(mappings);
  const out: string[] = [];
  for (const frame of frames) {
    const at = originalPosition(lines, frame.line, frame.column);
    if (!at) continue;
    const where = `${SOURCE_URL}:${at.line}:${at.column}`;
    out.push(frame.fn ? `    at ${frame.fn} (${where})` : `    at ${where}`);
  }

  return out;
}

export function executionError(
  error: { name: string; message: string; frames: readonly RawFrame[] },
  mappings: string,
): ExecutionError {
  const head = error.message ? `${error.name}: ${error.message}` : error.name;
  const frames = mapFrames(error.frames, mappings);

  return { name: error.name, message: error.message, stack: [head, ...frames].join("\n") };
}

// Builds an execution's `error` from what the guest reported: name,
// message and the frames inside the workflow, which the guest already
// names by the source as written (sandbox/stacks.ts), each written
// `workflow:<line>:<column>`. The guest is not trusted to have kept to the
// limits, so every field is cut here again. Pure; no side effects on import.

import {
  cutText,
  ERROR_FRAME_LIMIT,
  ERROR_MESSAGE_LIMIT,
  ERROR_NAME_LIMIT,
  SOURCE_URL,
  type SourceFrame,
} from "./protocol";

export interface ExecutionError {
  name: string;
  message: string;
  stack: string;
}

const FUNCTION_NAME_LIMIT = 200;
const isPosition = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) > 0;

export function formatFrames(frames: readonly SourceFrame[]): string[] {
  const out: string[] = [];
  for (const frame of frames.slice(0, ERROR_FRAME_LIMIT)) {
    if (!isPosition(frame.line) || !isPosition(frame.column)) continue;
    const where = `${SOURCE_URL}:${frame.line}:${frame.column}`;
    const fn = typeof frame.fn === "string" ? frame.fn.slice(0, FUNCTION_NAME_LIMIT) : "";
    out.push(fn ? `    at ${fn} (${where})` : `    at ${where}`);
  }

  return out;
}

export function executionError(error: { name: string; message: string; frames: readonly SourceFrame[] }): ExecutionError {
  const name = cutText(String(error.name), ERROR_NAME_LIMIT);
  const message = cutText(String(error.message), ERROR_MESSAGE_LIMIT);
  const head = message ? `${name}: ${message}` : name;
  const frames = Array.isArray(error.frames) ? formatFrames(error.frames) : [];

  return { name, message, stack: [head, ...frames].join("\n") };
}

// Reads the `mappings` of a source map (Source Map v3, the "Base64 VLQ"
// encoding of https://tc39.es/ecma426/) so that a position in the compiled
// script can be named by its line and column in the source as written.
// Pure; no side effects on import.

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGIT = new Map([...BASE64].map((char, index) => [char, index]));

/** One segment: a generated column and the source line and column it came from, all 0-based. */
export type Segment = [generatedColumn: number, sourceLine: number, sourceColumn: number];

/** Segments per generated line (0-based), each line's sorted by column. */
export function decodeMappings(mappings: string): Segment[][] {
  const lines: Segment[][] = [];
  let sourceLine = 0;
  let sourceColumn = 0;
  let sourceIndex = 0;
  for (const lineText of mappings.split(";")) {
    const segments: Segment[] = [];
    let generatedColumn = 0;
    for (const segmentText of lineText.split(",")) {
      if (segmentText === "") continue;
      const fields = decodeVlq(segmentText);
      generatedColumn += fields[0] ?? 0;
      // A one-field segment maps to no source; keep only full mappings.
      if (fields.length < 4) continue;
      sourceIndex += fields[1];
      sourceLine += fields[2];
      sourceColumn += fields[3];
      if (sourceIndex === 0) segments.push([generatedColumn, sourceLine, sourceColumn]);
    }
    lines.push(segments);
  }

  return lines;
}

function decodeVlq(text: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of text) {
    const digit = DIGIT.get(char);
    if (digit === undefined) throw new Error(`Invalid base64 digit "${char}" in a source map.`);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    values.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }

  return values;
}

/**
 * The source position (1-based line and column) of a generated position
 * (1-based, as engines report them), or null when the compiled code there
 * is not the workflow's own (Bun's module helpers).
 */
export function originalPosition(
  lines: Segment[][],
  line: number,
  column: number,
): { line: number; column: number } | null {
  const segments = lines[line - 1];
  if (!segments || segments.length === 0) return null;
  const target = column - 1;
  let best: Segment | undefined;
  for (const segment of segments) {
    if (segment[0] > target) break;
    best = segment;
  }
  // Before the line's first mapped token: that token is the best guess.
  best ??= segments[0];
  // Within a token the printer copies the text as written, so the offset
  // into the token carries over.
  const offset = Math.max(0, target - best[0]);

  return { line: best[1] + 1, column: best[2] + offset + 1 };
}

// File names come from the URL and become paths under the room's folder,
// so they are checked before anything touches the disk: a name may hold
// `/` to make folders, but no segment may climb out (`..`), point at the
// current folder (`.`), be empty (`//`, a leading or trailing `/`), and no
// name may hold NUL, control characters or backslashes (a separator on
// Windows). The resolved path is then checked to sit inside the folder,
// so a mistake here cannot become a path traversal.

import { join, resolve, sep } from "node:path";
import { invalid } from "../../http/errors";

export const NAME_LIMIT_BYTES = 1024;
const SEGMENT_LIMIT_BYTES = 255;

export const NAME_RULES =
  "A file name is 1 to 1024 bytes of UTF-8 and may contain `/` to make folders; no segment may be empty, `.` or `..`, and names may not hold NUL, control characters or backslashes. Each segment is at most 255 bytes.";

/** Decodes the name as it came in the URL (percent-escapes included). */
export function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw invalid("name", "is not valid percent-encoded UTF-8.");
  }
}

export function checkName(name: string): string {
  const bad = (why: string) => invalid("name", `${why} ${NAME_RULES}`);
  if (name.length === 0) throw bad("is empty.");
  if (Buffer.byteLength(name) > NAME_LIMIT_BYTES) throw bad("is too long.");
  // Control characters, NUL included, and the backslash.
  if (/[\u0000-\u001f\u007f\\]/.test(name)) throw bad("contains NUL, a control character or a backslash.");
  if (name.startsWith("/")) throw bad("is an absolute path.");
  if (/^[A-Za-z]:/.test(name)) throw bad("looks like a drive path.");
  for (const segment of name.split("/")) {
    if (segment === "") throw bad("has an empty segment (a doubled, leading or trailing `/`).");
    if (segment === "." || segment === "..") throw bad("has a `.` or `..` segment.");
    if (Buffer.byteLength(segment) > SEGMENT_LIMIT_BYTES) throw bad("has a segment longer than 255 bytes.");
  }

  return name;
}

/** The file's path on disk; throws if it would leave `dir` (it cannot, once checked). */
export function pathInside(dir: string, name: string): string {
  const root = resolve(dir);
  const path = resolve(join(root, name));
  if (!path.startsWith(root + sep)) throw invalid("name", `must stay inside the room's folder. ${NAME_RULES}`);

  return path;
}

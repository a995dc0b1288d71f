// Where a room's files live on disk: <dataDir>/files/<roomId>/<name>.
// Room ids are checked at creation ([A-Za-z0-9._:-], never "." or ".."),
// and file names are checked before they get here, so a path built here
// never leaves the room's folder.

import { join } from "node:path";

export function roomFilesDir(dataDir: string, roomId: string): string {
  return join(dataDir, "files", roomId);
}

// Orders a room's file writes against the room's deletion. Uploads and
// file deletes of one room run side by side; deleting the room waits for
// the ones already running, and holds back the ones that arrive meanwhile
// until the room's rows and folder are gone, so they find no room and
// answer 404. Without it an upload could write into the folder while the
// delete removed it (an ENOENT and a 500), or add its row after the
// room's rows were deleted, so the file showed up again in a new room of
// the same id. In-process only: one Herald process owns its data folder.

interface RoomState {
  writes: Set<Promise<unknown>>;
  deletion?: Promise<unknown>;
}

const rooms = new Map<string, RoomState>();

function stateOf(roomId: string): RoomState {
  let state = rooms.get(roomId);
  if (!state) {
    state = { writes: new Set() };
    rooms.set(roomId, state);
  }

  return state;
}

function forget(roomId: string, state: RoomState): void {
  if (state.writes.size === 0 && !state.deletion && rooms.get(roomId) === state) rooms.delete(roomId);
}

/** Runs a write to the room's files once no deletion of the room is running. */
export async function writingRoomFiles<T>(roomId: string, write: () => Promise<T>): Promise<T> {
  let state = stateOf(roomId);
  while (state.deletion) {
    await state.deletion.catch(() => {});
    state = stateOf(roomId);
  }
  const run = write();
  state.writes.add(run);
  try {
    return await run;
  } finally {
    state.writes.delete(run);
    forget(roomId, state);
  }
}

/** Runs the room's deletion after the file writes already running, holding new ones back. */
export async function deletingRoom<T>(roomId: string, remove: () => Promise<T>): Promise<T> {
  let state = stateOf(roomId);
  while (state.deletion) {
    await state.deletion.catch(() => {});
    state = stateOf(roomId);
  }
  const running = [...state.writes];
  const run = Promise.allSettled(running).then(remove);
  state.deletion = run;
  try {
    return await run;
  } finally {
    if (state.deletion === run) state.deletion = undefined;
    forget(roomId, state);
  }
}

// The handler's second argument: store, room, files and env for the
// event's room. Each method checks its arguments, asks the host and hands
// back the host's answer, which postMessage has already copied. `set` and
// `delete` exist only with the `store:write` permission, so a read-only
// workflow cannot even name them. No side effects on import.

import type { RunContext } from "./run-context";

function name(value: unknown, what: string): string {
  if (typeof value !== "string" || value === "") throw new TypeError(`${what} must be a non-empty string.`);

  return value;
}

export function makeBindings(run: RunContext, env: Record<string, string>, permissions: readonly string[]) {
  const store: Record<string, (...args: never[]) => Promise<unknown>> = {
    get: async (storeName: unknown, key: unknown) => run.call("store.get", name(storeName, "store"), name(key, "key")),
    getAll: async (storeName: unknown) => run.call("store.getAll", name(storeName, "store")),
  };
  if (permissions.includes("store:write")) {
    store.set = async (storeName: unknown, key: unknown, value: unknown) => {
      const text = value === undefined ? undefined : JSON.stringify(value);
      if (text === undefined) throw new TypeError("store.set needs a JSON-serialisable value.");
      await run.call("store.set", name(storeName, "store"), name(key, "key"), text);
    };
    store.delete = async (storeName: unknown, key: unknown) => {
      await run.call("store.delete", name(storeName, "store"), name(key, "key"));
    };
  }

  return {
    store,
    room: {
      get: async () => run.call("room.get"),
      getUsers: async () => run.call("room.getUsers"),
    },
    files: {
      list: async (prefix?: unknown) =>
        run.call("files.list", prefix === undefined || prefix === null ? null : String(prefix)),
    },
    env: { ...env },
  };
}

// The host side of a workflow's bindings: answers the guest's calls for
// one execution by reading (and, with `store:write`, writing) the event's
// room in the database, and by sending fetches through the guard. The
// guest is not trusted: every argument is checked again here. Answers are
// plain data; the pool copies them to the guest with postMessage.

import { and, asc, eq, sql } from "drizzle-orm";
import type { Herald } from "../context";
import { files, storeEntries, users } from "../db/schema";
import { makeAllowList } from "../delivery/address-guard";
import { HeraldError } from "../http/errors";
import { getRoom } from "../modules/rooms/service";
import { requireRoom } from "../modules/rooms/queries";
import { deleteEntry, readStore, writeEntry } from "../modules/stores/service";
import { KEY_NAME_PATTERN, STORE_NAME_PATTERN } from "../modules/stores/model";
import { fromRow, toUser } from "../modules/users/model";
import { presenceOf } from "../presence";
import { FetchRefused, guardedFetch, hostKey } from "./fetch";
import { type CallMethod, FETCH_CALL_LIMIT, type FetchRequest } from "./protocol";

/** An error the workflow sees, with the language's error name. */
export class BindingError extends Error {
  constructor(name: "Error" | "TypeError" | "RangeError", message: string) {
    super(message);
    this.name = name;
  }
}

export interface FetchRecord {
  method: string;
  url: string;
  /** 0 when no answer came (refused or failed). */
  status: number;
  durationMs: number;
  error?: string;
}

export interface BindingScope {
  roomId: string;
  permissions: readonly string[];
  allowedHosts: readonly string[];
  /** Aborted when the execution ends: fetches in flight stop. */
  signal: AbortSignal;
}

/** The most files one `files.list()` answers. */
const FILES_LIMIT = 10_000;

const storeName = new RegExp(STORE_NAME_PATTERN);
const keyName = new RegExp(KEY_NAME_PATTERN);

function checkName(value: unknown, pattern: RegExp, what: string): string {
  if (typeof value !== "string" || !pattern.test(value)) {
    throw new BindingError("TypeError", `${what} "${String(value)}" is not a valid ${what} name.`);
  }

  return value;
}

/** Makes the serve function of one execution, and the fetch log it fills. */
export function makeBindingServer(herald: Herald, scope: BindingScope) {
  const fetches: FetchRecord[] = [];
  const allowedHosts = new Set(scope.allowedHosts.map(hostKey));
  const allowAddress = makeAllowList(herald.config.allowPrivateTargets);
  const canWrite = scope.permissions.includes("store:write");
  const { db } = herald;
  const roomId = scope.roomId;

  async function fetchCall(request: FetchRequest) {
    const record: FetchRecord = { method: String(request?.method ?? "GET"), url: String(request?.url ?? ""), status: 0, durationMs: 0 };
    if (fetches.length >= FETCH_CALL_LIMIT) {
      throw new BindingError("TypeError", `A workflow may make at most ${FETCH_CALL_LIMIT} fetch calls an execution.`);
    }
    fetches.push(record);
    const started = performance.now();
    try {
      const answer = await guardedFetch(request, { allowedHosts, allowAddress, signal: scope.signal });
      record.status = answer.status;
      return answer;
    } catch (error) {
      const message = error instanceof FetchRefused ? error.message : "The request failed.";
      record.error = message;
      throw new BindingError("TypeError", message);
    } finally {
      record.durationMs = Math.round(performance.now() - started);
    }
  }

  const methods: Record<CallMethod, (args: unknown[]) => unknown> = {
    "store.get": ([store, key]) => {
      const row = db
        .select({ value: storeEntries.value })
        .from(storeEntries)
        .where(
          and(
            eq(storeEntries.roomId, roomId),
            eq(storeEntries.store, checkName(store, storeName, "store")),
            eq(storeEntries.key, checkName(key, keyName, "key")),
          ),
        )
        .get();
      return row ? JSON.parse(row.value) : undefined;
    },
    "store.getAll": ([store]) => readStore(db, roomId, checkName(store, storeName, "store")),
    "store.set": ([store, key, text]) => {
      if (!canWrite) throw new BindingError("TypeError", "This workflow lacks the store:write permission.");
      if (typeof text !== "string") throw new BindingError("TypeError", "store.set needs a JSON-serialisable value.");
      const value = JSON.parse(text);
      requireRoom(db, roomId);
      writeEntry(db, roomId, checkName(store, storeName, "store"), checkName(key, keyName, "key"), value);
      return undefined;
    },
    "store.delete": ([store, key]) => {
      if (!canWrite) throw new BindingError("TypeError", "This workflow lacks the store:write permission.");
      try {
        deleteEntry(db, roomId, checkName(store, storeName, "store"), checkName(key, keyName, "key"));
      } catch (error) {
        // Deleting a key that is not there is not an error for a workflow.
        if (!(error instanceof HeraldError && error.code === "not_found")) throw error;
      }
      return undefined;
    },
    "room.get": () => {
      try {
        return getRoom(herald, roomId);
      } catch (error) {
        if (error instanceof HeraldError && error.code === "not_found") return null;
        throw error;
      }
    },
    "room.getUsers": () => {
      const hub = presenceOf(herald);
      return db
        .select()
        .from(users)
        .where(eq(users.roomId, roomId))
        .orderBy(asc(users.createdAt), asc(users.id))
        .all()
        .map((row) => toUser(fromRow(row), hub.isOnline(roomId, row.id)));
    },
    "files.list": ([prefix]) => {
      if (prefix !== null && typeof prefix !== "string") {
        throw new BindingError("TypeError", "files.list takes a string prefix.");
      }
      return db
        .select({ name: files.name, size: files.size, contentType: files.contentType, uploadedAt: files.uploadedAt })
        .from(files)
        .where(and(eq(files.roomId, roomId), prefix ? sql`instr(${files.name}, ${prefix}) = 1` : undefined))
        .orderBy(asc(files.name))
        .limit(FILES_LIMIT)
        .all();
    },
    fetch: ([request]) => fetchCall(request as FetchRequest),
  };

  async function serve(method: CallMethod, args: unknown[]): Promise<unknown> {
    const handler = methods[method];
    if (!handler || !Array.isArray(args)) throw new BindingError("TypeError", "Unknown binding.");
    try {
      return await handler(args);
    } catch (error) {
      if (error instanceof BindingError) throw error;
      // The spec's client errors (a value too large, a missing room) are
      // sentences meant for users; anything else stays on the host.
      if (error instanceof HeraldError && error.status < 500) throw new BindingError("Error", error.message);
      if (error instanceof SyntaxError) throw new BindingError("TypeError", "The value is not valid JSON.");
      throw error;
    }
  }

  return { serve, fetches };
}

// The store routes: a room's named key-value stores, read whole or one key
// at a time. Every route answers 404 when the room does not exist.

import { Elysia, t } from "elysia";
import type { Herald } from "../../context";
import { CALLER_ID_PATTERN } from "../../ids";
import { listQuery } from "../../http/pagination";
import { Entry, KeyParams, PutBody, StoreParams, StoreSummary } from "./model";
import { requireRoom } from "../rooms/queries";
import { deleteEntry, listStores, readEntry, readStore, writeEntry } from "./service";
import { JsonObject } from "../../http/schemas";

const RoomParams = t.Object({ roomId: t.String({ pattern: CALLER_ID_PATTERN, description: "The room's id." }) });
const NAMES =
  "Store names are 1 to 64 of A-Z a-z 0-9 . _ : -; keys 1 to 256 of A-Z a-z 0-9 . _ : @ -; neither may be `.` or `..`.";

export function storesModule(herald: Herald) {
  const { db } = herald;

  return new Elysia({ name: "herald/stores", detail: { tags: ["Stores"] } })
    .get(
      "/v1/rooms/:roomId/stores",
      ({ params, query }) => {
        requireRoom(db, params.roomId);
        return listStores(db, params.roomId, query.limit ?? 20, query.cursor);
      },
      {
        params: RoomParams,
        query: t.Object(listQuery),
        response: t.Object({ data: t.Array(StoreSummary), nextCursor: t.Union([t.String(), t.Null()]) }),
        detail: {
          summary: "List a room's stores",
          description: `Store names with their key counts, in name order. A store exists while it holds a key. ${NAMES}`,
        },
      },
    )
    .get(
      "/v1/rooms/:roomId/stores/:store",
      ({ params }) => {
        requireRoom(db, params.roomId);
        return { data: readStore(db, params.roomId, params.store) };
      },
      {
        params: StoreParams,
        response: t.Object({ data: JsonObject() }),
        detail: {
          summary: "Read a whole store",
          description: `Every key of the store with its value. A store with no keys answers \`{ "data": {} }\`. ${NAMES}`,
        },
      },
    )
    .get(
      "/v1/rooms/:roomId/stores/:store/keys/:key",
      ({ params }) => {
        requireRoom(db, params.roomId);
        return readEntry(db, params.roomId, params.store, params.key);
      },
      {
        params: KeyParams,
        response: Entry,
        detail: { summary: "Read a key", description: `One key's value; 404 when the key is not set. ${NAMES}` },
      },
    )
    .put(
      "/v1/rooms/:roomId/stores/:store/keys/:key",
      ({ params, body }) => {
        requireRoom(db, params.roomId);
        return writeEntry(db, params.roomId, params.store, params.key, body.value);
      },
      {
        params: KeyParams,
        body: PutBody,
        response: Entry,
        detail: {
          summary: "Set a key",
          description: `Sets the key to \`value\`, any JSON value (null included) whose JSON text is at most 64 KiB; larger values are 413. ${NAMES}`,
        },
      },
    )
    .delete(
      "/v1/rooms/:roomId/stores/:store/keys/:key",
      ({ params, set }) => {
        requireRoom(db, params.roomId);
        deleteEntry(db, params.roomId, params.store, params.key);
        set.status = 204;
      },
      {
        params: KeyParams,
        detail: { summary: "Delete a key", description: `Removes the key; 404 when it was not set. ${NAMES}` },
      },
    );
}

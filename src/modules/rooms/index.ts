// Routes for rooms: the top of Herald's resource tree.

import { Elysia, t } from "elysia";
import type { Herald } from "../../context";
import { listQuery } from "../../http/pagination";
import { CreateRoomBody, RoomParams, RoomSchema, UpdateRoomBody } from "./model";
import { createRoom, deleteRoom, getRoom, listRooms, updateRoom } from "./service";

const tags = ["Rooms"];

export function roomsModule(herald: Herald) {
  return new Elysia({ name: "herald/rooms", prefix: "/v1/rooms" })
    .post(
      "",
      ({ body, set }) => {
        set.status = 201;
        return createRoom(herald, body);
      },
      {
        body: CreateRoomBody,
        response: { 201: RoomSchema },
        detail: {
          summary: "Create a room",
          description:
            "Give your own app's `id` (1 to 128 of A-Z a-z 0-9 . _ : -), or Herald makes a `room_…` one. `metadata` is a JSON object of at most 8 KiB. 409 when the id exists.",
          tags,
        },
      },
    )
    .get("", ({ query }) => listRooms(herald, query.limit ?? 20, query.cursor), {
      query: t.Object(listQuery),
      response: t.Object({ data: t.Array(RoomSchema), nextCursor: t.Union([t.String(), t.Null()]) }),
      detail: { summary: "List rooms", description: "Newest first, paginated with `cursor`.", tags },
    })
    .get("/:roomId", ({ params }) => getRoom(herald, params.roomId), {
      params: RoomParams,
      response: RoomSchema,
      detail: {
        summary: "Get a room",
        description: "The room, with `participantCount` (users online now) and `activeSessionId`.",
        tags,
      },
    })
    .patch("/:roomId", ({ params, body }) => updateRoom(herald, params.roomId, body), {
      params: RoomParams,
      body: UpdateRoomBody,
      response: RoomSchema,
      detail: {
        summary: "Change a room",
        description: "Sets the fields given: `null` clears `name`; `metadata` is replaced whole.",
        tags,
      },
    })
    .delete(
      "/:roomId",
      async ({ params, set }) => {
        await deleteRoom(herald, params.roomId);
        set.status = 204;
      },
      {
        params: RoomParams,
        detail: {
          summary: "Delete a room",
          description:
            "Deletes the room's users, store entries and files, and closes its connections (code 4001). Fires, in order: each participant's `participant.left` (`room_deleted`), `session.closed` (`room_deleted`) if a session was open, then `user.deleted` for each user.",
          tags,
        },
      },
    );
}

// Routes for the users of a room, and the client tokens that let a user's
// browser open the presence WebSocket.

import { Elysia, t } from "elysia";
import type { Herald } from "../../context";
import { listQuery } from "../../http/pagination";
import { RoomParams } from "../rooms/model";
import { CreateUserBody, TokenBody, UpdateUserBody, UserParams, UserSchema } from "./model";
import { createUser, deleteUser, getUser, issueToken, listUsers, updateUser } from "./service";

const tags = ["Users"];

export function usersModule(herald: Herald) {
  return new Elysia({ name: "herald/users", prefix: "/v1/rooms/:roomId/users" })
    .post(
      "",
      ({ params, body, set }) => {
        set.status = 201;
        return createUser(herald, params.roomId, body);
      },
      {
        params: RoomParams,
        body: CreateUserBody,
        response: { 201: UserSchema },
        detail: {
          summary: "Add a user to a room",
          description:
            "Adds a user and fires `user.created`. Give your own app's `id`, or Herald makes a `user_…` one. 409 when the id is taken in this room, 404 when the room does not exist.",
          tags,
        },
      },
    )
    .get("", ({ params, query }) => listUsers(herald, params.roomId, query.limit ?? 20, query.cursor), {
      params: RoomParams,
      query: t.Object(listQuery),
      response: t.Object({ data: t.Array(UserSchema), nextCursor: t.Union([t.String(), t.Null()]) }),
      detail: {
        summary: "List a room's users",
        description: "Newest first, each with `online`: whether the user is a participant of the room now.",
        tags,
      },
    })
    .get("/:userId", ({ params }) => getUser(herald, params.roomId, params.userId), {
      params: UserParams,
      response: UserSchema,
      detail: { summary: "Get a user", description: "The user, with `online`.", tags },
    })
    .patch("/:userId", ({ params, body }) => updateUser(herald, params.roomId, params.userId, body), {
      params: UserParams,
      body: UpdateUserBody,
      response: UserSchema,
      detail: {
        summary: "Change a user",
        description:
          "Sets the fields given (`null` clears `name` or `email`; `metadata` is replaced whole). Fires `user.updated` with `changes: { field: { from, to } }` only when a field really changed; never a leave and a join.",
        tags,
      },
    })
    .delete(
      "/:userId",
      ({ params, set }) => {
        deleteUser(herald, params.roomId, params.userId);
        set.status = 204;
      },
      {
        params: UserParams,
        detail: {
          summary: "Remove a user",
          description:
            "Closes the user's connections (code 4000) with no grace period. Fires, in order: `participant.left` (`user_deleted`) if they were online, `session.closed` (`all_left`) if the room is now empty, then `user.deleted`. Their tokens stop working.",
          tags,
        },
      },
    )
    .post(
      "/:userId/tokens",
      ({ params, body, set }) => {
        set.status = 201;
        return issueToken(herald, params.roomId, params.userId, body.ttlSeconds ?? 3600);
      },
      {
        params: UserParams,
        body: TokenBody,
        response: {
          201: t.Object({ token: t.String(), expiresAt: t.String({ format: "date-time" }) }),
        },
        detail: {
          summary: "Make a client token",
          description:
            "A signed token for `GET /v1/rooms/:roomId/connect?token=…`, naming this room and user. Hand it to the user's browser; it works until `expiresAt` (1 hour by default) or until the user is deleted.",
          tags,
        },
      },
    );
}

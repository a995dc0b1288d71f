// Routes for presence: the WebSocket clients connect to, who is online now,
// and a room's sessions. The WebSocket route takes a client token instead
// of an API key (src/http/auth.ts lets it through) and refuses a bad one
// with 401 before the upgrade.

import type { ServerWebSocket } from "bun";
import { Elysia, t } from "elysia";
import type { Herald } from "../../context";
import { HeraldError } from "../../http/errors";
import { listQuery } from "../../http/pagination";
import { presenceOf } from "../../presence";
import type { Connection, PresenceSocket } from "../../presence/state";
import { RoomParams } from "../rooms/model";
import { UserSchema } from "../users/model";
import { authorizeConnect, listParticipants, listSessions } from "./service";

const tags = ["Presence"];

const ParticipantSchema = t.Object({
  user: UserSchema,
  connectionCount: t.Integer({ description: "Open connections; 0 during the grace period." }),
  joinedAt: t.String({ format: "date-time" }),
});

const SessionSchema = t.Object({
  id: t.String(),
  roomId: t.String(),
  startedAt: t.String({ format: "date-time" }),
  closedAt: t.Union([t.String({ format: "date-time" }), t.Null()]),
  durationMs: t.Integer({ description: "Until closedAt, or until now for the open session." }),
  peakParticipants: t.Integer(),
  reason: t.Union([t.String(), t.Null()], {
    description: "Why it closed: all_left, room_deleted or server_restart; null while open.",
  }),
});

/** The part of Bun's server socket the hub uses (Elysia types its own copy). */
type RawSocket = Pick<ServerWebSocket<unknown>, "send" | "close" | "terminate" | "ping">;

function adapt(raw: RawSocket): PresenceSocket {
  return {
    send: (text) => void raw.send(text),
    close: (code, reason) => raw.close(code, reason),
    terminate: () => raw.terminate(),
    ping: () => void raw.ping(),
  };
}

export function presenceModule(herald: Herald) {
  const grants = new WeakMap<Request, { roomId: string; userId: string }>();
  const connections = new WeakMap<RawSocket, Connection>();

  return new Elysia({ name: "herald/presence", prefix: "/v1/rooms/:roomId" })
    .ws("/connect", {
      params: RoomParams,
      query: t.Object({ token: t.Optional(t.String({ maxLength: 4096 })) }),
      detail: {
        summary: "Connect to a room (WebSocket)",
        description:
          "Upgrades to a WebSocket for the user the token names. 401 before the upgrade for a token of another room, an expired or forged token, or a deleted user. The server sends `{ type: \"presence\", participants: [{ user, connectionCount, joinedAt }] }` on connect and on every change; `{ type: \"ping\" }` is answered with `{ type: \"pong\" }`; other messages are ignored; one over 64 KiB closes with 1009. Close codes: 1001 shutdown, 4000 user deleted, 4001 room deleted, 4002 user gone.",
        tags,
        security: [],
      },
      beforeHandle({ params, query, request }) {
        grants.set(request, authorizeConnect(herald, params.roomId, query.token));
      },
      open(ws) {
        const grant = grants.get(ws.data.request);
        if (!grant) return void ws.close(4002, "The connection was not authorised.");
        const connection = presenceOf(herald).connect(grant.roomId, grant.userId, adapt(ws.raw));
        if (connection) connections.set(ws.raw, connection);
      },
      message(ws, message) {
        const connection = connections.get(ws.raw);
        if (connection) presenceOf(herald).receive(connection, message);
      },
      pong(raw) {
        const connection = connections.get(raw as unknown as RawSocket);
        if (connection) presenceOf(herald).alive(connection);
      },
      close(ws) {
        const connection = connections.get(ws.raw);
        if (connection) presenceOf(herald).disconnect(connection, "closed");
      },
    })
    // Elysia routes only upgrade requests to the WebSocket handler; a plain
    // GET lands here and is told what the route is for.
    .get(
      "/connect",
      () => {
        throw new HeraldError(
          "validation_failed",
          "This route is a WebSocket: connect with a WebSocket client (Upgrade: websocket) and ?token=.",
        );
      },
      { params: RoomParams, detail: { hide: true } },
    )
    .get(
      "/participants",
      ({ params, query }) => listParticipants(herald, params.roomId, query.limit ?? 20, query.cursor),
      {
        params: RoomParams,
        query: t.Object(listQuery),
        response: t.Object({
          data: t.Array(ParticipantSchema),
          nextCursor: t.Union([t.String(), t.Null()]),
        }),
        detail: {
          summary: "List who is online",
          description:
            "One entry per participant, however many connections they have, newest joiner first. A user stays a participant through the grace period after their last connection closes.",
          tags,
        },
      },
    )
    .get(
      "/sessions",
      ({ params, query }) => listSessions(herald, params.roomId, query.limit ?? 20, query.cursor),
      {
        params: RoomParams,
        query: t.Object(listQuery),
        response: t.Object({ data: t.Array(SessionSchema), nextCursor: t.Union([t.String(), t.Null()]) }),
        detail: {
          summary: "List a room's sessions",
          description:
            "Past and current sessions, newest first. A session runs from a room's first participant joining to its last leaving.",
          tags,
        },
      },
    );
}

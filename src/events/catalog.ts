// The built-in event types: what each means, the JSON schema of its `data`
// and an example. GET /v1/event-types serves this list, webhook and
// workflow filters are checked against it, and a webhook test sends an
// example from it. App events (`app.…`) are the team's own and have no
// entry here.

import { t, type TSchema } from "elysia";
import { JsonObject, JsonRecord } from "../http/schemas";

export interface EventType {
  type: string;
  description: string;
  schema: TSchema;
  example: Record<string, unknown>;
}

const UserSchema = t.Object({
  id: t.String(),
  roomId: t.String(),
  name: t.Union([t.String(), t.Null()]),
  email: t.Union([t.String(), t.Null()]),
  metadata: JsonObject(),
  online: t.Boolean(),
  createdAt: t.String({ format: "date-time" }),
  updatedAt: t.String({ format: "date-time" }),
});

const exampleUser = {
  id: "ada",
  roomId: "design-review",
  name: "Ada Lovelace",
  email: "ada@example.com",
  metadata: { team: "analytics" },
  online: true,
  createdAt: "2026-12-03T11:58:00.000Z",
  updatedAt: "2026-12-03T11:58:00.000Z",
};

const LeftReason = t.Union(
  ["closed", "timeout", "user_deleted", "room_deleted", "server_restart"].map((r) => t.Literal(r)),
);
const ClosedReason = t.Union(["all_left", "room_deleted", "server_restart"].map((r) => t.Literal(r)));

export const EVENT_TYPES: readonly EventType[] = [
  {
    type: "participant.joined",
    description: "A user came online in a room: their first connection opened.",
    schema: t.Object({
      user: UserSchema,
      sessionId: t.String(),
      connectionCount: t.Integer(),
      participantCount: t.Integer(),
    }),
    example: { user: exampleUser, sessionId: "ses_V1StGXR8Z5jdHi6BmyT", connectionCount: 1, participantCount: 1 },
  },
  {
    type: "participant.left",
    description: "A user went offline: their last connection closed and the grace period passed, or they were removed.",
    schema: t.Object({
      user: UserSchema,
      sessionId: t.String(),
      participantCount: t.Integer(),
      reason: LeftReason,
    }),
    example: {
      user: { ...exampleUser, online: false },
      sessionId: "ses_V1StGXR8Z5jdHi6BmyT",
      participantCount: 0,
      reason: "closed",
    },
  },
  {
    type: "session.started",
    description: "The first participant joined an idle room, opening a session.",
    schema: t.Object({ sessionId: t.String(), startedAt: t.String({ format: "date-time" }) }),
    example: { sessionId: "ses_V1StGXR8Z5jdHi6BmyT", startedAt: "2026-12-03T12:00:00.000Z" },
  },
  {
    type: "session.closed",
    description: "The last participant left a room, closing its session.",
    schema: t.Object({
      sessionId: t.String(),
      startedAt: t.String({ format: "date-time" }),
      closedAt: t.String({ format: "date-time" }),
      durationMs: t.Integer(),
      peakParticipants: t.Integer(),
      reason: ClosedReason,
    }),
    example: {
      sessionId: "ses_V1StGXR8Z5jdHi6BmyT",
      startedAt: "2026-12-03T12:00:00.000Z",
      closedAt: "2026-12-03T12:42:00.000Z",
      durationMs: 2_520_000,
      peakParticipants: 3,
      reason: "all_left",
    },
  },
  {
    type: "user.created",
    description: "A user was added to a room.",
    schema: t.Object({ user: UserSchema }),
    example: { user: { ...exampleUser, online: false } },
  },
  {
    type: "user.updated",
    description: "A user's fields changed; `changes` holds each changed field's old and new value.",
    schema: t.Object({
      user: UserSchema,
      changes: JsonRecord(t.Object({ from: t.Unknown(), to: t.Unknown() })),
    }),
    example: {
      user: { ...exampleUser, name: "Ada King", online: false },
      changes: { name: { from: "Ada Lovelace", to: "Ada King" } },
    },
  },
  {
    type: "user.deleted",
    description: "A user was removed from a room; `user` is as it was.",
    schema: t.Object({ user: UserSchema }),
    example: { user: { ...exampleUser, online: false } },
  },
];

const BY_TYPE = new Map(EVENT_TYPES.map((entry) => [entry.type, entry]));

export function eventType(type: string): EventType | undefined {
  return BY_TYPE.get(type);
}

/** App events: `app.` and then dot-separated words. */
export const APP_EVENT_PATTERN = /^app\.[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;

/** A type a filter may name: a built-in one, or any well-formed `app.…`. */
export function isKnownType(type: string): boolean {
  return BY_TYPE.has(type) || (type.length <= 128 && APP_EVENT_PATTERN.test(type));
}

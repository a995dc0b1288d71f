// The shapes of users on the wire. Pure: presence imports toUser to put
// users in its events and messages, so nothing here may import presence.

import { t } from "elysia";
import type { users } from "../../db/schema";
import { CallerId, Metadata } from "../rooms/model";
import { JsonObject } from "../../http/schemas";

export type UserRow = typeof users.$inferSelect;

/** A user as stored, without the live `online` flag. */
export interface StoredUser {
  id: string;
  roomId: string;
  name: string | null;
  email: string | null;
  metadata: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export interface User extends StoredUser {
  online: boolean;
}

export function fromRow(row: UserRow): StoredUser {
  return {
    id: row.id,
    roomId: row.roomId,
    name: row.name,
    email: row.email,
    metadata: JSON.parse(row.metadata),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** The user with its live flag, keys in the order the API documents. */
export function toUser(user: StoredUser, online: boolean): User {
  const { id, roomId, name, email, metadata, createdAt, updatedAt } = user;

  return { id, roomId, name, email, metadata, online, createdAt, updatedAt };
}

export const UserParams = t.Object({ roomId: CallerId("room"), userId: CallerId("user") });

const Name = t.Union([t.String({ maxLength: 256 }), t.Null()]);
const Email = t.Union([t.String({ format: "email", maxLength: 320 }), t.Null()]);

export const CreateUserBody = t.Object({
  id: t.Optional(CallerId("user")),
  name: t.Optional(Name),
  email: t.Optional(Email),
  metadata: t.Optional(Metadata),
});

export const UpdateUserBody = t.Object({
  name: t.Optional(Name),
  email: t.Optional(Email),
  metadata: t.Optional(Metadata),
});

export const TokenBody = t.Object({
  ttlSeconds: t.Optional(
    t.Integer({
      minimum: 1,
      maximum: 7 * 24 * 3600,
      default: 3600,
      description: "How long the token is good for, 1 s to 7 days; 1 hour by default.",
    }),
  ),
});

export const UserSchema = t.Object({
  id: t.String(),
  roomId: t.String(),
  name: t.Union([t.String(), t.Null()]),
  email: t.Union([t.String(), t.Null()]),
  metadata: JsonObject(),
  online: t.Boolean({ description: "Whether the user is a participant of the room now." }),
  createdAt: t.String({ format: "date-time" }),
  updatedAt: t.String({ format: "date-time" }),
});

// The shapes of rooms on the wire and the checks TypeBox cannot express
// (the 8 KiB metadata cap). Users share the metadata rule.

import { t } from "elysia";
import { CALLER_ID_PATTERN } from "../../ids";
import { invalid } from "../../http/errors";
import { JsonObject } from "../../http/schemas";

export const METADATA_LIMIT_BYTES = 8 * 1024;

export const Metadata = JsonObject({
  description: "A JSON object of at most 8 KiB, kept as given.",
});

export const CallerId = (what: string) =>
  t.String({
    pattern: CALLER_ID_PATTERN,
    description: `The ${what}'s id: 1 to 128 of A-Z a-z 0-9 . _ : -`,
  });

/** Serialises metadata, refusing anything past the cap with a 422. */
export function metadataText(value: Record<string, unknown> | undefined): string {
  const text = JSON.stringify(value ?? {});
  const size = Buffer.byteLength(text);
  if (size > METADATA_LIMIT_BYTES) {
    throw invalid(
      "metadata",
      `must be at most ${METADATA_LIMIT_BYTES} bytes of JSON; this one is ${size} bytes.`,
    );
  }

  return text;
}

export const RoomParams = t.Object({ roomId: CallerId("room") });

export const CreateRoomBody = t.Object({
  id: t.Optional(CallerId("room")),
  name: t.Optional(t.Union([t.String({ maxLength: 256 }), t.Null()])),
  metadata: t.Optional(Metadata),
});

export const UpdateRoomBody = t.Object({
  name: t.Optional(t.Union([t.String({ maxLength: 256 }), t.Null()])),
  metadata: t.Optional(Metadata),
});

export const RoomSchema = t.Object({
  id: t.String(),
  name: t.Union([t.String(), t.Null()]),
  metadata: JsonObject(),
  createdAt: t.String({ format: "date-time" }),
  updatedAt: t.String({ format: "date-time" }),
  participantCount: t.Integer({ description: "Users online in the room now." }),
  activeSessionId: t.Union([t.String(), t.Null()], {
    description: "The open session, or null when nobody is online.",
  }),
});

export interface Room {
  id: string;
  name: string | null;
  metadata: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  participantCount: number;
  activeSessionId: string | null;
}

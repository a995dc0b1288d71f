// The shapes of workflows on the wire, and the checks TypeBox cannot say
// well: known event types, secret names and secret sizes in bytes. Allowed
// hosts are checked in hosts.ts.

import { t } from "elysia";
import { isKnownType } from "../../events/catalog";
import { invalid } from "../../http/errors";
import { JsonObject, JsonRecord } from "../../http/schemas";
import { CALLER_ID_PATTERN } from "../../ids";

export const SOURCE_LIMIT_BYTES = 1024 * 1024;
export const SECRET_LIMIT_BYTES = 4 * 1024;
/** A secret's name, as the handler reads it from `env`. */
const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
export const PERMISSIONS = ["store:write"] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const WorkflowParams = t.Object({ id: t.String({ maxLength: 128, description: "The workflow's id, `wf_…`." }) });

const Name = t.String({ minLength: 1, maxLength: 200, description: "A label for people, 1 to 200 characters." });
const Source = t.String({
  minLength: 1,
  maxLength: SOURCE_LIMIT_BYTES,
  description: "JavaScript or TypeScript, an ES module whose default export is the handler; at most 1 MiB.",
});
const Events = t.Array(t.String({ minLength: 1, maxLength: 128 }), {
  maxItems: 100,
  description: "Event types that run the workflow, built-in or `app.…`; omitted or empty means all.",
});
const RoomId = t.Union([t.String({ pattern: CALLER_ID_PATTERN }), t.Null()], {
  description: "Only events of this room; null or omitted means every room. The room need not exist yet.",
});
const TimeoutMs = t.Integer({ minimum: 100, maximum: 60_000, description: "Wall time of one execution, awaits included: 100 to 60000 ms (default 10000)." });
const AllowedHosts = t.Array(t.String({ minLength: 1, maxLength: 253 }), {
  maxItems: 100,
  description:
    "Host names (RFC 1123) or IP literals `fetch` may call: no scheme, port, path or wildcard (`*.example.com` is refused; list each host). Any port of a listed host is allowed. Kept lower-cased, IPv6 without brackets.",
});
// Secret names are checked by checkSecrets, not by the record's key pattern:
// a key the pattern missed would be cleaned away without a word.
const Secrets = JsonRecord(t.String({ maxLength: SECRET_LIMIT_BYTES }), {
  maxProperties: 100,
  description: "NAME (a letter or _, then letters, digits or _; at most 128; not `__proto__`, `constructor` or `prototype`) → value (each at most 4 KiB), given to the handler as `env`. Never shown again: reads list the names.",
});
const Permissions = t.Array(t.Union(PERMISSIONS.map((p) => t.Literal(p))), {
  maxItems: 10,
  description: "`store:write` adds `store.set` and `store.delete`.",
});

export const CreateWorkflowBody = t.Object({
  name: Name,
  source: Source,
  events: t.Optional(Events),
  roomId: t.Optional(RoomId),
  enabled: t.Optional(t.Boolean({ description: "Default true." })),
  timeoutMs: t.Optional(TimeoutMs),
  allowedHosts: t.Optional(AllowedHosts),
  secrets: t.Optional(Secrets),
  permissions: t.Optional(Permissions),
});

export const UpdateWorkflowBody = t.Object({
  name: t.Optional(Name),
  source: t.Optional(Source),
  events: t.Optional(Events),
  roomId: t.Optional(RoomId),
  enabled: t.Optional(t.Boolean()),
  timeoutMs: t.Optional(TimeoutMs),
  allowedHosts: t.Optional(AllowedHosts),
  secrets: t.Optional(
    JsonRecord(t.Union([t.String({ maxLength: SECRET_LIMIT_BYTES }), t.Null()]), {
      maxProperties: 100,
      description: "Merged into the stored secrets: a string sets a name, null removes it; names not given are kept.",
    }),
  ),
  permissions: t.Optional(Permissions),
});

export const TestWorkflowBody = t.Object({
  event: t.Object({
    type: t.String({ minLength: 1, maxLength: 128, description: "A built-in type or `app.…`." }),
    roomId: t.String({ pattern: CALLER_ID_PATTERN, description: "The room the bindings read; it need not exist." }),
    data: JsonObject({ description: "Not checked against the type's schema." }),
  }),
});

const listFields = {
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 100, default: 20, description: "Items per page, 1 to 100." })),
  cursor: t.Optional(t.String({ maxLength: 512, description: "The `nextCursor` of the previous page." })),
};

export const ListQuery = t.Object(listFields);

export const WorkflowSchema = t.Object({
  id: t.String(),
  name: t.String(),
  source: t.String({ description: "As written, TypeScript included." }),
  version: t.Integer({ description: "Rises by one each time the source changes." }),
  events: t.Array(t.String()),
  roomId: t.Union([t.String(), t.Null()]),
  enabled: t.Boolean(),
  timeoutMs: t.Integer(),
  allowedHosts: t.Array(t.String()),
  secrets: t.Array(t.String(), { description: "The secrets' names; values are never shown." }),
  permissions: t.Array(t.String()),
  createdAt: t.String({ format: "date-time" }),
  updatedAt: t.String({ format: "date-time" }),
});

export const WorkflowPage = t.Object({ data: t.Array(WorkflowSchema), nextCursor: t.Union([t.String(), t.Null()]) });

export const VersionSchema = t.Object({
  version: t.Integer(),
  source: t.String(),
  createdAt: t.String({ format: "date-time" }),
});

export const VersionPage = t.Object({ data: t.Array(VersionSchema), nextCursor: t.Union([t.String(), t.Null()]) });

export function checkEvents(events: readonly string[] | undefined): string[] {
  const list = [...new Set(events ?? [])];
  for (const type of list) {
    if (!isKnownType(type)) {
      throw invalid("events", `"${type}" is not a known event type; use a built-in type (GET /v1/event-types) or app.… for your own.`);
    }
  }

  return list;
}

/**
 * Names an object treats specially. `__proto__` in particular cannot be an
 * ordinary key of the `env` object workflow code reads, so it is refused
 * rather than stored and lost; the other two would shadow what every
 * object has.
 */
const RESERVED_SECRET_NAMES = new Set(["__proto__", "constructor", "prototype"]);

export function checkSecrets(secrets: Record<string, string | null> | undefined): void {
  for (const [name, value] of Object.entries(secrets ?? {})) {
    if (!SECRET_NAME.test(name)) {
      throw invalid("secrets", `"${name}" is not a secret name: a letter or _, then letters, digits or _, at most 128 in all.`);
    }
    if (RESERVED_SECRET_NAMES.has(name)) {
      throw invalid("secrets", `"${name}" is reserved: objects give that name a meaning of their own; choose another name.`);
    }
    if (value !== null && Buffer.byteLength(value) > SECRET_LIMIT_BYTES) {
      throw invalid(`secrets.${name}`, `must be at most ${SECRET_LIMIT_BYTES} bytes.`);
    }
  }
}

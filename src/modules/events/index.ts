// The event routes: the stored log (list, one event with what it caused),
// the catalog of built-in types, the live stream, and publishing the
// team's own `app.…` events.

import { Elysia, t } from "elysia";
import type { Herald } from "../../context";
import { EVENT_TYPES } from "../../events/catalog";
import { listQuery } from "../../http/pagination";
import { Envelope, EventDetail, EventFilters, PublishBody, typeList } from "./model";
import { getEvent, listEvents, publishAppEvent } from "./service";
import { eventStream } from "./stream";
import { JsonObject } from "../../http/schemas";

const EventType = t.Object({
  type: t.String(),
  description: t.String(),
  schema: t.Unknown({ description: "The JSON schema of the event's `data`." }),
  example: JsonObject({ description: "An example `data`." }),
});

export function eventsModule(herald: Herald) {
  return new Elysia({ name: "herald/events", detail: { tags: ["Events"] } })
    .get(
      "/v1/events",
      ({ query }) =>
        listEvents(herald, {
          types: typeList(query.type),
          roomId: query.roomId,
          limit: query.limit ?? 20,
          cursor: query.cursor,
        }),
      {
        query: t.Object({ ...listQuery, ...EventFilters }),
        response: t.Object({ data: t.Array(Envelope), nextCursor: t.Union([t.String(), t.Null()]) }),
        detail: {
          summary: "List events",
          description: "The stored event log, newest first, optionally only some types (`?type=a,b`) or one room.",
        },
      },
    )
    .get(
      "/v1/events/stream",
      ({ query, request, server }) =>
        eventStream(herald.events, { types: typeList(query.type), roomId: query.roomId }, request, server),
      {
        query: t.Object(EventFilters),
        detail: {
          summary: "Stream events live",
          description:
            "Server-Sent Events: every event as it is stored, one `data:` line of the envelope per event with the event id as the SSE `id`, filtered by `?type=` and `?roomId=`. A comment line is sent every 15 s. Send the usual `Authorization` header (read it with a streaming fetch rather than EventSource). Past events are not replayed; read them from GET /v1/events.",
          responses: {
            200: { description: "An endless event stream.", content: { "text/event-stream": { schema: { type: "string" } } } },
          },
        },
      },
    )
    .get("/v1/events/:id", ({ params }) => getEvent(herald, params.id), {
      params: t.Object({ id: t.String({ maxLength: 64, description: "`evt_…`" }) }),
      response: EventDetail,
      detail: {
        summary: "Get an event",
        description: "The envelope with the webhook deliveries and workflow executions it caused, oldest first.",
      },
    })
    .post(
      "/v1/events",
      ({ body, set }) => {
        set.status = 201;
        return publishAppEvent(herald, body);
      },
      {
        body: PublishBody,
        response: { 201: Envelope },
        detail: {
          summary: "Publish an app event",
          description:
            "Stores an event of your own app and fans it out to webhooks and workflows like any other. `type` must start with `app.` (built-in types are 422), `data` is a JSON object of at most 64 KiB (413 beyond), and the room must exist (404).",
        },
      },
    )
    .get(
      "/v1/event-types",
      () => ({
        data: EVENT_TYPES.map(({ type, description, schema, example }) => ({ type, description, schema, example })),
        nextCursor: null,
      }),
      {
        response: t.Object({ data: t.Array(EventType), nextCursor: t.Null() }),
        detail: {
          summary: "List event types",
          description:
            "Every built-in event type with a description, the JSON schema of its `data` and an example. App events (`app.…`) are your own and are not listed.",
        },
      },
    );
}

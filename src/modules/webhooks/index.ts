// Routes for webhooks: endpoints that receive every matching event as a
// Standard-Webhooks-signed POST. Deliveries per webhook are listed by the
// deliveries module.

import { Elysia, t } from "elysia";
import type { Herald } from "../../context";
import { DeliverySchema } from "../deliveries/model";
import { replay, sendTest } from "./actions";
import {
  CreatedWebhookSchema,
  CreateWebhookBody,
  ListWebhooksQuery,
  ReplayBody,
  RotateBody,
  TestBody,
  UpdateWebhookBody,
  WebhookPage,
  WebhookParams,
  WebhookSchema,
} from "./model";
import {
  createWebhook,
  deleteWebhook,
  getSecret,
  listWebhooks,
  rotateSecret,
  toWebhook,
  updateWebhook,
  webhookRow,
} from "./service";

const tags = ["Webhooks"];
const SecretSchema = t.Object({ secret: t.String({ description: "`whsec_…`" }) });

export function webhooksModule(herald: Herald) {
  return new Elysia({ name: "herald/webhooks", prefix: "/v1/webhooks" })
    .post(
      "",
      ({ body, set }) => {
        set.status = 201;
        return createWebhook(herald, body);
      },
      {
        body: CreateWebhookBody,
        response: { 201: CreatedWebhookSchema },
        detail: {
          summary: "Create a webhook",
          description:
            "Matching events are POSTed to `url`, signed with Standard Webhooks headers. The answer carries the signing `secret` at the top level; Herald makes one unless you give your own (`whsec_` and the base64 of 24 to 64 bytes). Unknown event types are a 422.",
          tags,
        },
      },
    )
    .get("", ({ query }) => listWebhooks(herald, query), {
      query: ListWebhooksQuery,
      response: WebhookPage,
      detail: { summary: "List webhooks", description: "Newest first, paginated with `cursor`; `roomId` keeps the webhooks filtered to that room.", tags },
    })
    .get("/:id", ({ params }) => toWebhook(webhookRow(herald, params.id)), {
      params: WebhookParams,
      response: WebhookSchema,
      detail: { summary: "Get a webhook", description: "The webhook, without its secret.", tags },
    })
    .get("/:id/secret", ({ params }) => getSecret(herald, params.id), {
      params: WebhookParams,
      response: SecretSchema,
      detail: { summary: "Get a webhook's secret", description: "The current signing secret.", tags },
    })
    .patch("/:id", ({ params, body }) => updateWebhook(herald, params.id, body), {
      params: WebhookParams,
      body: UpdateWebhookBody,
      response: WebhookSchema,
      detail: {
        summary: "Change a webhook",
        description:
          "Sets the fields given, with the same checks as creating. `enabled: true` re-enables a webhook Herald disabled and clears `disabledReason`; `null` clears `roomId`, `description` and `rateLimit`. A `secret` given here replaces the current one at once, with no grace period (see rotate-secret).",
        tags,
      },
    })
    .delete(
      "/:id",
      ({ params, set }) => {
        deleteWebhook(herald, params.id);
        set.status = 204;
      },
      {
        params: WebhookParams,
        detail: {
          summary: "Delete a webhook",
          description: "Removes the webhook with its deliveries and their attempts; deliveries waiting to be sent are cancelled.",
          tags,
        },
      },
    )
    .post("/:id/rotate-secret", ({ params, body }) => rotateSecret(herald, params.id, body), {
      params: WebhookParams,
      body: RotateBody,
      response: SecretSchema,
      detail: {
        summary: "Rotate a webhook's secret",
        description:
          "Makes a new secret (or takes yours). For `graceSeconds` (default 86400) the old secret signs too: each request carries one `v1,` signature per secret in `webhook-signature`, space-separated, so receivers holding either accept it.",
        tags,
      },
    })
    .post(
      "/:id/test",
      ({ params, body, set }) => {
        set.status = 201;
        return sendTest(herald, params.id, body);
      },
      {
        params: WebhookParams,
        body: TestBody,
        response: { 201: DeliverySchema },
        detail: {
          summary: "Send a test event",
          description:
            "Queues a delivery (`test: true`) of the type's example event to this webhook only, whatever its filters; the event is not stored in the log. 409 when the webhook is disabled.",
          tags,
        },
      },
    )
    .post("/:id/replay", ({ params, body }) => replay(herald, params.id, body), {
      params: WebhookParams,
      body: ReplayBody,
      response: t.Object({ queued: t.Integer({ description: "Deliveries queued." }) }),
      detail: {
        summary: "Replay events",
        description:
          "Every stored event in [since, until) that matches the webhook's current filters, including events from before it existed, becomes a new delivery. `onlyFailed` keeps only events whose latest delivery to this webhook failed. 409 when the webhook is disabled.",
        tags,
      },
    });
}

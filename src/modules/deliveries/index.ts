// Routes for deliveries: the log of what was sent to each webhook, every
// attempt of each, and a manual retry.

import { Elysia } from "elysia";
import type { Herald } from "../../context";
import { WebhookParams } from "../webhooks/model";
import {
  DeliveryDetailSchema,
  DeliveryListQuery,
  DeliveryPage,
  DeliveryParams,
  DeliverySchema,
} from "./model";
import { getDelivery, listDeliveries, retryDelivery } from "./service";

const tags = ["Deliveries"];

export function deliveriesModule(herald: Herald) {
  return new Elysia({ name: "herald/deliveries" })
    .get("/v1/webhooks/:id/deliveries", ({ params, query }) => listDeliveries(herald, params.id, query), {
      params: WebhookParams,
      query: DeliveryListQuery,
      response: DeliveryPage,
      detail: {
        summary: "List a webhook's deliveries",
        description: "Newest first, paginated with `cursor`; filter with `status` (pending, success, failed) and `eventType`.",
        tags,
      },
    })
    .get("/v1/deliveries/:id", ({ params }) => getDelivery(herald, params.id), {
      params: DeliveryParams,
      response: DeliveryDetailSchema,
      detail: {
        summary: "Get a delivery",
        description:
          "The delivery with every attempt, oldest first: when it started, how long it took, the status code (0 when no answer came), the first 4 KiB of the answer, the error, and whether it was scheduled or manual.",
        tags,
      },
    })
    .post("/v1/deliveries/:id/retry", ({ params }) => retryDelivery(herald, params.id), {
      params: DeliveryParams,
      response: DeliverySchema,
      detail: {
        summary: "Retry a delivery",
        description:
          "One more attempt now, whatever the delivery's status, after the one in flight if any. 409 when the webhook is disabled.",
        tags,
      },
    });
}

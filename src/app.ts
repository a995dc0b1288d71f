// Builds the Elysia app from Herald's services without listening, so tests
// can drive it with app.handle(new Request(...)) and main.ts can listen.

import { Elysia } from "elysia";
import type { Herald } from "./context";
import { auth } from "./http/auth";
import { bodyParser } from "./http/body";
import { traceConversions } from "./http/converted-fields";
import { errorHandler } from "./http/errors";
import { idempotency } from "./http/idempotency";
import { openapiDocs } from "./http/openapi";
import { rateLimit } from "./http/rate-limit";
import { apiKeysModule } from "./modules/api-keys";
import { backupModule } from "./modules/backup";
import { deliveriesModule } from "./modules/deliveries";
import { eventsModule } from "./modules/events";
import { executionsModule } from "./modules/executions";
import { filesModule } from "./modules/files";
import { healthModule } from "./modules/health";
import { presenceModule } from "./modules/presence";
import { roomsModule } from "./modules/rooms";
import { storesModule } from "./modules/stores";
import { usersModule } from "./modules/users";
import { webhooksModule } from "./modules/webhooks";
import { workflowsModule } from "./modules/workflows";

export function createApp(herald: Herald) {
  // normalize "typebox": Elysia's default normalizer rewrites a value of the
  // wrong type before validation (an array or string sent for an object
  // field arrives as {"0": …}); TypeBox's Clean leaves it for the 422.
  const app = new Elysia({ name: "herald", normalize: "typebox" })
    .use(errorHandler)
    .use(openapiDocs(herald.version))
    .use(auth(herald.db))
    .use(rateLimit(herald.config.rateLimit))
    .use(bodyParser(herald.config.bodyLimitBytes, herald.config.fileLimitBytes))
    .use(idempotency(herald.db))
    .use(healthModule(herald))
    .use(apiKeysModule(herald))
    .use(roomsModule(herald))
    .use(usersModule(herald))
    .use(presenceModule(herald))
    .use(storesModule(herald))
    .use(filesModule(herald))
    .use(eventsModule(herald))
    .use(webhooksModule(herald))
    .use(deliveriesModule(herald))
    .use(workflowsModule(herald))
    .use(executionsModule(herald))
    .use(backupModule(herald));
  traceConversions(app);

  return app;
}

export type App = ReturnType<typeof createApp>;

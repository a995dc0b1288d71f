// Liveness and readiness, with no key: /healthz says the process answers,
// /readyz that the database takes writes and the service is not stopping.

import { Elysia, t } from "elysia";
import type { Herald } from "../../context";
import { errorBody } from "../../http/errors";

export function healthModule(herald: Herald) {
  return new Elysia({ name: "herald/health", detail: { tags: ["Health"] } })
    .get("/healthz", () => ({ status: "ok" }), {
      detail: { summary: "Liveness", description: "Answers 200 while the process is up." },
      response: t.Object({ status: t.String() }),
    })
    .get(
      "/readyz",
      ({ set }) => {
        try {
          // Taking the write lock and letting it go proves the database file
          // accepts writes without changing anything.
          herald.sqlite.exec("BEGIN IMMEDIATE");
          herald.sqlite.exec("ROLLBACK");
        } catch {
          set.status = 503;
          return errorBody("internal", "The database does not take writes.");
        }
        if (!herald.ready) {
          set.status = 503;
          return errorBody("internal", "Herald is starting or shutting down.");
        }
        return { status: "ready" };
      },
      {
        detail: {
          summary: "Readiness",
          description: "Answers 200 when the database is writable and the sandbox pool is ready, 503 otherwise.",
        },
      },
    );
}

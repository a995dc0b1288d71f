import { defineConfig } from "drizzle-kit";

// Migrations are generated from src/db/schema and committed; the server
// applies them on start (src/db/migrate.ts).
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema/index.ts",
  out: "./src/db/migrations",
});

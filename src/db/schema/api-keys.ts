import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** API keys, stored as SHA-256 digests of the full key. */
export const apiKeys = sqliteTable("api_keys", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  /** The first characters of the key, shown in lists to tell keys apart. */
  prefix: text("prefix").notNull(),
  hash: text("hash").notNull().unique(),
  createdAt: text("created_at").notNull(),
  lastUsedAt: text("last_used_at"),
});

/** Answers kept for `Idempotency-Key` repeats, per API key, for 24 h. */
export const idempotencyKeys = sqliteTable("idempotency_keys", {
  apiKeyId: text("api_key_id").notNull(),
  key: text("key").notNull(),
  method: text("method").notNull(),
  path: text("path").notNull(),
  bodyHash: text("body_hash").notNull(),
  status: integer("status").notNull(),
  response: text("response").notNull(),
  createdAt: integer("created_at").notNull(),
}, (t) => [primaryKey({ columns: [t.apiKeyId, t.key] })]);

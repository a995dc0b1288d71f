CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`prefix` text NOT NULL,
	`hash` text NOT NULL,
	`created_at` text NOT NULL,
	`last_used_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_hash_unique` ON `api_keys` (`hash`);--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`api_key_id` text NOT NULL,
	`key` text NOT NULL,
	`method` text NOT NULL,
	`path` text NOT NULL,
	`body_hash` text NOT NULL,
	`status` integer NOT NULL,
	`response` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`api_key_id`, `key`)
);
--> statement-breakpoint
CREATE TABLE `events` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`type` text NOT NULL,
	`room_id` text NOT NULL,
	`sequence` integer NOT NULL,
	`timestamp` text NOT NULL,
	`payload` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `events_id_unique` ON `events` (`id`);--> statement-breakpoint
CREATE INDEX `events_type_idx` ON `events` (`type`,`seq`);--> statement-breakpoint
CREATE INDEX `events_room_idx` ON `events` (`room_id`,`seq`);--> statement-breakpoint
CREATE INDEX `events_timestamp_idx` ON `events` (`timestamp`);--> statement-breakpoint
CREATE TABLE `files` (
	`room_id` text NOT NULL,
	`name` text NOT NULL,
	`size` integer NOT NULL,
	`content_type` text NOT NULL,
	`etag` text NOT NULL,
	`uploaded_at` text NOT NULL,
	PRIMARY KEY(`room_id`, `name`)
);
--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`ref_id` text NOT NULL,
	`group_key` text NOT NULL,
	`trigger` text DEFAULT 'scheduled' NOT NULL,
	`run_at` integer NOT NULL,
	`locked_until` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `jobs_due_idx` ON `jobs` (`locked_until`,`run_at`);--> statement-breakpoint
CREATE INDEX `jobs_ref_idx` ON `jobs` (`ref_id`);--> statement-breakpoint
CREATE TABLE `participants` (
	`room_id` text NOT NULL,
	`user_id` text NOT NULL,
	`session_id` text NOT NULL,
	`joined_at` text NOT NULL,
	`user` text NOT NULL,
	PRIMARY KEY(`room_id`, `user_id`)
);
--> statement-breakpoint
CREATE TABLE `sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`room_id` text NOT NULL,
	`started_at` text NOT NULL,
	`closed_at` text,
	`peak_participants` integer DEFAULT 0 NOT NULL,
	`close_reason` text
);
--> statement-breakpoint
CREATE INDEX `sessions_room_started_idx` ON `sessions` (`room_id`,`started_at`,`id`);--> statement-breakpoint
CREATE TABLE `room_sequences` (
	`room_id` text PRIMARY KEY NOT NULL,
	`last` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `rooms` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text,
	`metadata` text DEFAULT '{}' NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `rooms_created_idx` ON `rooms` (`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `users` (
	`room_id` text NOT NULL,
	`id` text NOT NULL,
	`name` text,
	`email` text,
	`metadata` text DEFAULT '{}' NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`room_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `users_room_created_idx` ON `users` (`room_id`,`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `store_entries` (
	`room_id` text NOT NULL,
	`store` text NOT NULL,
	`key` text NOT NULL,
	`value` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`room_id`, `store`, `key`)
);
--> statement-breakpoint
CREATE TABLE `attempts` (
	`id` text PRIMARY KEY NOT NULL,
	`delivery_id` text NOT NULL,
	`started_at` text NOT NULL,
	`duration_ms` integer NOT NULL,
	`status_code` integer NOT NULL,
	`response_body` text,
	`error` text,
	`trigger` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `attempts_delivery_idx` ON `attempts` (`delivery_id`,`started_at`);--> statement-breakpoint
CREATE TABLE `deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`webhook_id` text NOT NULL,
	`event_id` text NOT NULL,
	`event_type` text NOT NULL,
	`status` text NOT NULL,
	`attempt_count` integer DEFAULT 0 NOT NULL,
	`last_status_code` integer,
	`last_error` text,
	`next_attempt_at` text,
	`test` integer DEFAULT false NOT NULL,
	`payload` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `deliveries_webhook_idx` ON `deliveries` (`webhook_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `deliveries_event_idx` ON `deliveries` (`event_id`);--> statement-breakpoint
CREATE TABLE `webhooks` (
	`id` text PRIMARY KEY NOT NULL,
	`url` text NOT NULL,
	`events` text DEFAULT '[]' NOT NULL,
	`room_id` text,
	`description` text,
	`headers` text DEFAULT '{}' NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`disabled_reason` text,
	`secret` text NOT NULL,
	`previous_secrets` text DEFAULT '[]' NOT NULL,
	`rate_limit` integer,
	`failing_since` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `webhooks_created_idx` ON `webhooks` (`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `executions` (
	`id` text PRIMARY KEY NOT NULL,
	`workflow_id` text NOT NULL,
	`workflow_version` integer NOT NULL,
	`event_id` text NOT NULL,
	`event_type` text NOT NULL,
	`room_id` text NOT NULL,
	`status` text NOT NULL,
	`started_at` text,
	`finished_at` text,
	`duration_ms` integer,
	`logs` text DEFAULT '[]' NOT NULL,
	`error` text,
	`result` text,
	`fetches` text DEFAULT '[]' NOT NULL,
	`test` integer DEFAULT false NOT NULL,
	`payload` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `executions_workflow_idx` ON `executions` (`workflow_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `executions_event_idx` ON `executions` (`event_id`);--> statement-breakpoint
CREATE TABLE `workflow_versions` (
	`workflow_id` text NOT NULL,
	`version` integer NOT NULL,
	`source` text NOT NULL,
	`compiled` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`workflow_id`, `version`)
);
--> statement-breakpoint
CREATE TABLE `workflows` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`source` text NOT NULL,
	`compiled` text NOT NULL,
	`version` integer NOT NULL,
	`events` text DEFAULT '[]' NOT NULL,
	`room_id` text,
	`enabled` integer DEFAULT true NOT NULL,
	`timeout_ms` integer NOT NULL,
	`allowed_hosts` text DEFAULT '[]' NOT NULL,
	`secrets` text DEFAULT '{}' NOT NULL,
	`permissions` text DEFAULT '[]' NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `workflows_created_idx` ON `workflows` (`created_at`,`id`);
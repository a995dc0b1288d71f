DROP INDEX `jobs_due_idx`;--> statement-breakpoint
CREATE INDEX `jobs_group_due_idx` ON `jobs` (`kind`,`group_key`,`locked_until`,`run_at`);--> statement-breakpoint
CREATE INDEX `jobs_due_idx` ON `jobs` (`kind`,`locked_until`,`run_at`);
CREATE TABLE `rate_limit_queue` (
	`seq` integer PRIMARY KEY NOT NULL,
	`id` text NOT NULL,
	`priority` text NOT NULL,
	`batch_id` text,
	`message` blob NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	`handed_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `rate_limit_queue_id_unique` ON `rate_limit_queue` (`id`);--> statement-breakpoint
CREATE TABLE `rate_limit_usage` (
	`id` integer PRIMARY KEY NOT NULL,
	`epoch_seconds` integer NOT NULL,
	`epoch` integer NOT NULL,
	`used` integer NOT NULL,
	`critical_used` integer NOT NULL,
	`updated_at` integer NOT NULL,
	CONSTRAINT "rate_limit_usage_single_row" CHECK("rate_limit_usage"."id" = 1)
);

CREATE TABLE `admin_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`key` text NOT NULL,
	`type` text NOT NULL,
	`data` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `admin_events_key_unique` ON `admin_events` (`key`);--> statement-breakpoint
CREATE INDEX `admin_events_created` ON `admin_events` (`created_at`);--> statement-breakpoint
CREATE TABLE `admin_requests` (
	`key` text PRIMARY KEY NOT NULL,
	`fingerprint` text NOT NULL,
	`status` integer NOT NULL,
	`body` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `admin_token` (
	`id` integer PRIMARY KEY NOT NULL,
	`hash` blob NOT NULL,
	`created_at` integer NOT NULL,
	CONSTRAINT "admin_token_single_row" CHECK("admin_token"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`webhook_id` integer NOT NULL,
	`event_id` integer NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`done_at` integer,
	`outcome` text,
	`last_error` text,
	PRIMARY KEY(`webhook_id`, `event_id`),
	FOREIGN KEY (`webhook_id`) REFERENCES `webhooks`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`event_id`) REFERENCES `admin_events`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `webhook_deliveries_due` ON `webhook_deliveries` (`done_at`,`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `webhooks` (
	`id` integer PRIMARY KEY NOT NULL,
	`url` text NOT NULL,
	`events` text NOT NULL,
	`secret` blob NOT NULL,
	`created_at` integer NOT NULL,
	`deleted_at` integer
);

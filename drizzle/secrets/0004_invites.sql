ALTER TABLE `one_time_prekeys` ADD `reusable` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `one_time_prekeys` ADD `label` text;--> statement-breakpoint
ALTER TABLE `one_time_prekeys` ADD `revoked_at` integer;--> statement-breakpoint
ALTER TABLE `one_time_prekeys` ADD `uses` integer DEFAULT 0 NOT NULL;
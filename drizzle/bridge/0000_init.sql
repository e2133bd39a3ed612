CREATE TABLE `forwards` (
	`webhook_id` integer NOT NULL,
	`conversation_id` text NOT NULL,
	`handed_at` integer,
	`message_id` text,
	PRIMARY KEY(`webhook_id`, `conversation_id`),
	FOREIGN KEY (`webhook_id`) REFERENCES `webhooks`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `forwards_pending` ON `forwards` (`handed_at`,`webhook_id`);--> statement-breakpoint
CREATE TABLE `subscriptions` (
	`conversation_id` text NOT NULL,
	`source` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`conversation_id`, `source`)
);
--> statement-breakpoint
CREATE INDEX `subscriptions_source` ON `subscriptions` (`source`,`conversation_id`);--> statement-breakpoint
CREATE TABLE `webhooks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`source` text NOT NULL,
	`delivery_id` text NOT NULL,
	`priority` text NOT NULL,
	`text` text NOT NULL,
	`body_bytes` integer NOT NULL,
	`received_at` integer NOT NULL,
	`forwarded_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webhooks_delivery` ON `webhooks` (`source`,`delivery_id`);--> statement-breakpoint
CREATE INDEX `webhooks_forwarded` ON `webhooks` (`forwarded_at`);
CREATE TABLE `account` (
	`id` integer PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`identity_public_key` blob NOT NULL,
	`created_at` integer NOT NULL,
	CONSTRAINT "account_single_row" CHECK("account"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE `conversations` (
	`id` text PRIMARY KEY NOT NULL,
	`peer_account_id` text,
	`peer_identity_key` blob,
	`label` text,
	`state` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`last_message_at` integer
);
--> statement-breakpoint
CREATE INDEX `conversations_last_message` ON `conversations` (`last_message_at`);--> statement-breakpoint
CREATE TABLE `messages` (
	`id` text PRIMARY KEY NOT NULL,
	`conversation_id` text NOT NULL,
	`direction` text NOT NULL,
	`payload_type` text NOT NULL,
	`payload_version` integer NOT NULL,
	`body` blob NOT NULL,
	`status` text NOT NULL,
	`error` text,
	`created_at` integer NOT NULL,
	`sent_at` integer,
	`delivered_at` integer,
	`received_at` integer,
	FOREIGN KEY (`conversation_id`) REFERENCES `conversations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `messages_conversation_time` ON `messages` (`conversation_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `messages_status` ON `messages` (`status`);
CREATE TABLE `inbox` (
	`message_id` text PRIMARY KEY NOT NULL,
	`conversation_id` text NOT NULL,
	`peer_identity_key` blob NOT NULL,
	`new_conversation` integer NOT NULL,
	`frame` blob NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `seen_ephemerals` (
	`hash` blob PRIMARY KEY NOT NULL,
	`conversation_id` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `tag_index` (
	`tag_hash` blob PRIMARY KEY NOT NULL,
	`conversation_id` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `tag_index_conversation` ON `tag_index` (`conversation_id`);
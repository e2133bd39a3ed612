ALTER TABLE `conversations` ADD `recv_ack` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `conversations` ADD `sent_seq` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `messages` ADD `read_at` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `seq` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `tag` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `envelope` blob;--> statement-breakpoint
ALTER TABLE `messages` ADD `content_topic` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `priority` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `attempts` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `messages` ADD `next_attempt_at` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `expires_at` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `messages_conversation_seq` ON `messages` (`conversation_id`,`direction`,`seq`);--> statement-breakpoint
CREATE INDEX `messages_tag` ON `messages` (`tag`);
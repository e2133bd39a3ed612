CREATE TABLE `archive` (
	`hash` blob PRIMARY KEY NOT NULL,
	`pubsub_topic` text NOT NULL,
	`content_topic` text NOT NULL,
	`timestamp` integer NOT NULL,
	`received_at` integer NOT NULL,
	`message` blob NOT NULL
);
--> statement-breakpoint
CREATE INDEX `archive_topic_time` ON `archive` (`pubsub_topic`,`timestamp`,`hash`);--> statement-breakpoint
CREATE INDEX `archive_content_time` ON `archive` (`content_topic`,`timestamp`,`hash`);--> statement-breakpoint
CREATE INDEX `archive_received` ON `archive` (`received_at`);
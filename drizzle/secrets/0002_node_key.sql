CREATE TABLE `node_key` (
	`id` integer PRIMARY KEY NOT NULL,
	`private_key` blob NOT NULL,
	`created_at` integer NOT NULL,
	CONSTRAINT "node_key_single_row" CHECK("node_key"."id" = 1)
);

CREATE TABLE `identity` (
	`id` integer PRIMARY KEY NOT NULL,
	`public_key` blob NOT NULL,
	`secret_key` blob NOT NULL,
	`created_at` integer NOT NULL,
	CONSTRAINT "identity_single_row" CHECK("identity"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE `kek` (
	`id` integer PRIMARY KEY NOT NULL,
	`kdf_params` text NOT NULL,
	`updated_at` integer NOT NULL,
	CONSTRAINT "kek_single_row" CHECK("kek"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE `keyring` (
	`id` integer PRIMARY KEY NOT NULL,
	`wrapped_key` blob NOT NULL,
	`created_at` integer NOT NULL,
	`retired_at` integer
);
--> statement-breakpoint
CREATE TABLE `one_time_prekeys` (
	`id` integer PRIMARY KEY NOT NULL,
	`public_key` blob NOT NULL,
	`secret_key` blob NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer,
	`consumed_at` integer
);
--> statement-breakpoint
CREATE TABLE `sessions` (
	`conversation_id` text PRIMARY KEY NOT NULL,
	`state` blob NOT NULL,
	`state_version` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `signed_prekeys` (
	`id` integer PRIMARY KEY NOT NULL,
	`public_key` blob NOT NULL,
	`secret_key` blob NOT NULL,
	`signature` blob NOT NULL,
	`created_at` integer NOT NULL,
	`retired_at` integer
);

CREATE TABLE `things` (
	`id` integer PRIMARY KEY NOT NULL,
	`label` text NOT NULL,
	`owner_id` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `things_label_lower_unique` ON `things` (lower("label"));
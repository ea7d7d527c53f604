CREATE TABLE `things` (
	`id` integer PRIMARY KEY NOT NULL,
	`label` text NOT NULL,
	`owner_id` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `things_label_lower_unique` ON `things` (lower("label"));--> statement-breakpoint
CREATE TABLE `_batches` (
	`producer` integer NOT NULL,
	`offset` integer NOT NULL,
	`count` integer NOT NULL,
	`inserted` integer NOT NULL,
	`rejected` integer NOT NULL,
	PRIMARY KEY(`producer`, `offset`)
);
--> statement-breakpoint
CREATE TABLE `_deliveries` (
	`producer` integer PRIMARY KEY NOT NULL,
	`offset` integer NOT NULL,
	`sealed` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `rejections` (
	`producer` integer NOT NULL,
	`position` integer NOT NULL,
	`id` blob,
	`row` text NOT NULL,
	`reasons` text NOT NULL,
	`rejected_at` integer NOT NULL,
	PRIMARY KEY(`producer`, `position`)
);

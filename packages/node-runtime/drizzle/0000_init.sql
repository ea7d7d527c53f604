CREATE TABLE `_batches` (
	`producer` integer NOT NULL,
	`offset` integer NOT NULL,
	`count` integer NOT NULL,
	`inserted` integer NOT NULL,
	`rejected` integer NOT NULL,
	`deferred` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`producer`, `offset`)
);
--> statement-breakpoint
CREATE TABLE `_deferred` (
	`producer` integer NOT NULL,
	`position` integer NOT NULL,
	`row` text NOT NULL,
	PRIMARY KEY(`producer`, `position`)
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
	`batch` integer DEFAULT 0 NOT NULL,
	`rejected_at` integer NOT NULL,
	PRIMARY KEY(`producer`, `position`)
);

CREATE TABLE `_deferred` (
	`producer` integer NOT NULL,
	`position` integer NOT NULL,
	`row` text NOT NULL,
	PRIMARY KEY(`producer`, `position`)
);
--> statement-breakpoint
ALTER TABLE `_batches` ADD `deferred` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `rejections` ADD `batch` integer DEFAULT 0 NOT NULL;
-- orders.db as the version before the runtime had migrations of its own left it: run 1 interrupted, order 3 held back.
-- Made by that version's NodeStore, dumped with sqlite3 .dump.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE IF NOT EXISTS "__drizzle_migrations" (
				id SERIAL PRIMARY KEY,
				hash text NOT NULL,
				created_at numeric
			);
INSERT INTO __drizzle_migrations VALUES(NULL,'d22c633f95f115df5d8cc775a5ce1bc92cb382226541923aa1320e15e7ce4ae4',1795542625935);
INSERT INTO __drizzle_migrations VALUES(NULL,'3139a5192eae877f68c45591a24df28d960eb790c3e9db7aa1429f5e61c46f0f',1795765199041);
CREATE TABLE `orders` (
	`id` integer PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`product_id` integer NOT NULL,
	`quantity` integer NOT NULL
);
INSERT INTO orders VALUES(1,1,1,2);
CREATE TABLE `_batches` (
	`producer` integer NOT NULL,
	`offset` integer NOT NULL,
	`count` integer NOT NULL,
	`inserted` integer NOT NULL,
	`rejected` integer NOT NULL, `deferred` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`producer`, `offset`)
);
INSERT INTO _batches VALUES(1,0,3,1,1,1);
CREATE TABLE `_deliveries` (
	`producer` integer PRIMARY KEY NOT NULL,
	`offset` integer NOT NULL,
	`sealed` integer NOT NULL
);
INSERT INTO _deliveries VALUES(1,3,0);
CREATE TABLE `rejections` (
	`producer` integer NOT NULL,
	`position` integer NOT NULL,
	`id` blob,
	`row` text NOT NULL,
	`reasons` text NOT NULL,
	`rejected_at` integer NOT NULL, `batch` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`producer`, `position`)
);
INSERT INTO rejections VALUES(1,1,2.0,'{"id":2,"user_id":9,"product_id":1,"quantity":1}','["user_missing"]',1795780524876,0);
CREATE TABLE `_deferred` (
	`producer` integer NOT NULL,
	`position` integer NOT NULL,
	`row` text NOT NULL,
	PRIMARY KEY(`producer`, `position`)
);
INSERT INTO _deferred VALUES(1,2,'{"id":3,"user_id":5,"product_id":1,"quantity":1}');
COMMIT;

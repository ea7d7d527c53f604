import { fileURLToPath } from 'node:url';
import type { Durability } from '@dbsim/protocol';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { readMigrationFiles } from 'drizzle-orm/migrator';

/**
 * SQLite's page cache, 4 times its default: a batch's inserts and lookups
 * land all over the indexes, and with 2 MB many of them miss the cache. Small
 * and fixed, so that memory hardly grows with the data.
 */
const CACHE_KIB = 8000;

/**
 * The runtime's own tables (rejections, the delivery record, held-back rows)
 * have their own migrations, recorded in a table of their own: drizzle's
 * migrator skips every migration older than the newest one its table records,
 * so two sets cannot share one. A node's own migrations hold only its table.
 */
const RUNTIME = { migrationsFolder: fileURLToPath(new URL('../drizzle', import.meta.url)), migrationsTable: '__dbsim_runtime_migrations' };
const TABLE = { migrationsTable: '__drizzle_migrations' };

export interface OpenOptions {
  durability: Durability;
  /** The node's drizzle-kit migrations folder: its own table. */
  migrationsFolder: string;
}

/**
 * Opens a node's SQLite file the one way every node (and the bench's
 * baseline) opens one: WAL journal, the chosen durability, a fixed page
 * cache, and the runtime's and the node's migrations applied.
 */
export function openDatabase(file: string, { durability, migrationsFolder }: OpenOptions): Database.Database {
  const sqlite = new Database(file);
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma(`synchronous = ${durability.toUpperCase()}`);
    sqlite.pragma(`cache_size = -${CACHE_KIB}`);
    const db = drizzle({ client: sqlite });
    upgradeSharedMigrations(sqlite, migrationsFolder);
    migrate(db, RUNTIME);
    migrate(db, { migrationsFolder, ...TABLE });
    return sqlite;
  } catch (error) {
    sqlite.close();
    throw error;
  }
}

/**
 * Files made before the runtime had migrations of its own hold its tables
 * from each node's migrations, recorded in the node's migrations table.
 * Such a file is upgraded in place, once: both sets are recorded as applied
 * up to their first migration, which creates exactly what that layout held.
 */
function upgradeSharedMigrations(sqlite: Database.Database, migrationsFolder: string): void {
  const has = (table: string) => sqlite.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(table) !== undefined;
  if (has(RUNTIME.migrationsTable) || !has('_deliveries')) return;
  if (!has('_deferred')) throw new Error('this database was made by an older version of dbsim: start a fresh run in another folder');
  sqlite.transaction(() => {
    for (const [migrationsTable, folder] of [
      [RUNTIME.migrationsTable, RUNTIME.migrationsFolder],
      [TABLE.migrationsTable, migrationsFolder],
    ] as const) {
      const [first] = readMigrationFiles({ migrationsFolder: folder });
      if (first === undefined) continue;
      // The table as drizzle's migrator creates it.
      sqlite.exec(`create table if not exists "${migrationsTable}" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)`);
      sqlite.prepare(`insert into "${migrationsTable}" (hash, created_at) values (?, ?)`).run(first.hash, first.folderMillis);
    }
  })();
}

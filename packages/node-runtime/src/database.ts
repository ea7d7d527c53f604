import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { forgetHolder, holderOf, InUse, isBusy, recordHolder } from '@dbsim/cli';
import { type Durability, NODE_EXIT } from '@dbsim/protocol';
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

/** A file up to this size is checked whole (PRAGMA quick_check) as it opens: well under a tenth of a second when cached. */
const CHECK_AT_OPEN_BYTES = 64 * 1024 * 1024;

export interface OpenOptions {
  durability: Durability;
  /** The node's drizzle-kit migrations folder: its own table. */
  migrationsFolder: string;
  /** Who holds the file, for the message another process gets (`users-node`). */
  holder: string;
}

/** A node's database, open and held. */
export interface OpenDatabase {
  sqlite: Database.Database;
  /** Closes the file and lets go of it. */
  close(): void;
}

/** The database file is damaged: the node stops, and is not restarted, as it would only find it damaged again. */
export class CorruptDatabase extends Error {
  readonly exitCode = NODE_EXIT.corrupt;
}

/** Whether SQLite says the file is damaged, or not a database at all. */
export function isCorrupt(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

/**
 * Opens a node's SQLite file the one way every node (and the bench's
 * baseline) opens one, and holds it for the process's life: exclusive
 * locking mode (no other process can open it while this one runs, and the
 * OS lets go of it when this one dies), WAL journal, the chosen durability,
 * a fixed page cache, the runtime's and the node's migrations applied, and,
 * where that is cheap, the whole file checked. A file another process holds
 * is an InUse error naming that process; a damaged one a CorruptDatabase.
 */
export function openDatabase(file: string, { durability, migrationsFolder, holder }: OpenOptions): OpenDatabase {
  const sqlite = new Database(file, { timeout: 0 });
  try {
    sqlite.pragma('locking_mode = EXCLUSIVE');
    sqlite.pragma('journal_mode = WAL');
    sqlite.exec('BEGIN EXCLUSIVE; COMMIT'); // takes the lock now, and exclusive mode keeps it
    recordHolder(file, holder);
    if (statSync(file).size <= CHECK_AT_OPEN_BYTES) {
      const problems = sqlite.pragma('quick_check', { simple: true });
      if (problems !== 'ok') throw new CorruptDatabase(`${file} is corrupt: ${String(problems)}`);
    }
    sqlite.pragma(`synchronous = ${durability.toUpperCase()}`);
    sqlite.pragma(`cache_size = -${CACHE_KIB}`);
    const db = drizzle({ client: sqlite });
    upgradeSharedMigrations(sqlite, migrationsFolder);
    migrate(db, RUNTIME);
    migrate(db, { migrationsFolder, ...TABLE });
    return {
      sqlite,
      close() {
        if (!sqlite.open) return;
        forgetHolder(file);
        sqlite.close();
      },
    };
  } catch (error) {
    sqlite.close();
    if (isBusy(error)) throw new InUse(`${file} is in use by ${holderOf(file)}`, { cause: error });
    if (isCorrupt(error)) throw new CorruptDatabase(`${file} is corrupt: ${(error as Error).message}`, { cause: error });
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

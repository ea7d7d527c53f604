import { existsSync, readFileSync, renameSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { forgetHolder, holderOf, InUse, isBusy, recordHolder } from '@dbsim/cli';
import { type Durability, NODE_EXIT } from '@dbsim/protocol';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { readMigrationFiles } from 'drizzle-orm/migrator';

/**
 * SQLite's page cache unless a node says otherwise (users-node's: the
 * others take 2 MB), 4 times its default: a batch's inserts and lookups
 * land all over the indexes, and with 2 MB many of them miss the cache.
 * Small and fixed, so that memory hardly grows with the data.
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

/** Under --durability normal the node checkpoints itself, once every this many transactions. */
const CHECKPOINT_EVERY = 8;

export interface OpenOptions {
  durability: Durability;
  /** The node's drizzle-kit migrations folder: its own table. */
  migrationsFolder: string;
  /** Who holds the file, for the message another process gets (`users-node`). */
  holder: string;
  /** Back from a power loss: the writes not synced yet are lost before the file opens (under --durability normal). */
  loseUnsynced?: boolean;
  /** SQLite's page cache, in KiB (CACHE_KIB unless told). */
  cacheKib?: number;
}

/** A node's database, open and held. */
export interface OpenDatabase {
  sqlite: Database.Database;
  /** Called after each transaction has committed. */
  committed(): void;
  /** Makes everything committed durable now, whatever the durability: for what a run must never see undone. */
  sync(): void;
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
export function openDatabase(
  file: string,
  { durability, migrationsFolder, holder, loseUnsynced, cacheKib = CACHE_KIB }: OpenOptions,
): OpenDatabase {
  const synced = new SyncedLength(file);
  if (loseUnsynced && durability === 'normal') synced.loseTheRest();
  const sqlite = new Database(file, { timeout: 0 });
  try {
    sqlite.pragma('locking_mode = EXCLUSIVE');
    sqlite.pragma('journal_mode = WAL');
    sqlite.exec('BEGIN EXCLUSIVE; COMMIT'); // takes the lock now, and exclusive mode keeps it
    recordHolder(file, holder);
    // Before the check, which reads every page through the cache: at better-sqlite3's default (16 MB) a node that
    // opened the files of an earlier, larger run peaked 11 MB higher, and held it for the whole run.
    sqlite.pragma(`cache_size = -${cacheKib}`);
    if (statSync(file).size <= CHECK_AT_OPEN_BYTES) {
      const problems = sqlite.pragma('quick_check', { simple: true });
      if (problems !== 'ok') throw new CorruptDatabase(`${file} is corrupt: ${String(problems)}`);
    }
    sqlite.pragma(`synchronous = ${durability.toUpperCase()}`);
    const db = drizzle({ client: sqlite });
    upgradeSharedMigrations(sqlite, migrationsFolder);
    migrate(db, RUNTIME);
    migrate(db, { migrationsFolder, ...TABLE });
    let transactions = 0;
    if (durability === 'normal') {
      sqlite.pragma('wal_autocheckpoint = 0');
      synced.checkpoint(sqlite);
    } else synced.forget();
    return {
      sqlite,
      committed() {
        if (durability === 'normal' && ++transactions % CHECKPOINT_EVERY === 0) synced.checkpoint(sqlite);
      },
      sync() {
        if (durability === 'normal') synced.checkpoint(sqlite);
      },
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

/**
 * How much of a node's WAL is synced to disk, as far as a power loss goes,
 * kept in DIR/<node>.db-synced (LazyFS's idea, without a file system of our
 * own). Under --durability normal SQLite syncs the WAL only when it
 * checkpoints, so the node checkpoints itself (automatic checkpoints off),
 * as it opens and every few transactions, and records around each one what
 * is synced: the WAL as it stands while the checkpoint runs (its first step
 * syncs it), none once it has moved the WAL into the database and emptied
 * it. A node back from a power loss cuts its WAL to that length before it
 * opens the file, and SQLite recovers the whole transactions before the
 * cut: what was committed and acknowledged since the last checkpoint is
 * lost, as it would be. Under --durability full every commit is synced:
 * there is nothing to lose, and no record.
 */
class SyncedLength {
  readonly #record: string;
  readonly #wal: string;

  constructor(file: string) {
    this.#record = `${file}-synced`;
    this.#wal = `${file}-wal`;
  }

  loseTheRest(): void {
    const synced = existsSync(this.#record) ? Number(readFileSync(this.#record, 'utf8')) : 0;
    const size = statSync(this.#wal, { throwIfNoEntry: false })?.size ?? 0;
    if (size > synced) truncateSync(this.#wal, synced);
  }

  checkpoint(sqlite: Database.Database): void {
    this.#write(statSync(this.#wal, { throwIfNoEntry: false })?.size ?? 0);
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
    this.#write(0);
  }

  forget(): void {
    rmSync(this.#record, { force: true });
  }

  /** Whole or not at all: written beside, then renamed over. */
  #write(length: number): void {
    writeFileSync(`${this.#record}.next`, String(length));
    renameSync(`${this.#record}.next`, this.#record);
  }
}

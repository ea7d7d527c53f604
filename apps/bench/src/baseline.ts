import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODES } from '@dbsim/protocol';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';

/** Each node app's migrations: the baseline's files get exactly the nodes' schema. */
const MIGRATIONS = Object.fromEntries(
  NODES.map((node) => [node, fileURLToPath(new URL('../drizzle', import.meta.resolve(`@dbsim/${node}-node/main`)))]),
);
const ROWS_PER_TRANSACTION = 50_000;

export interface BaselineResult {
  rows: number;
  seconds: number;
  maxRssKb: number;
}

/**
 * The yardstick: one process copying the rows the simulation accepted from
 * its files in `from` into fresh files in `to` with the same schema, with a
 * prepared INSERT in large transactions: no validation, no IPC, no logs.
 */
export function baseline(from: string, to: string, durability: string): BaselineResult {
  const targets = NODES.map((node) => {
    const file = join(to, `${node}.db`);
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${durability.toUpperCase()}`);
    migrate(drizzle({ client: db }), { migrationsFolder: MIGRATIONS[node] as string });
    return { node, db, source: new Database(join(from, `${node}.db`), { readonly: true }) };
  });
  let rows = 0;
  const started = performance.now();
  for (const { node, db, source } of targets) {
    const read = source.prepare(`select * from "${node}" order by id`).raw();
    const insert = db.prepare(
      `insert into "${node}" values (${read
        .columns()
        .map(() => '?')
        .join(', ')})`,
    );
    const copy = db.transaction((chunk: unknown[][]) => {
      for (const values of chunk) insert.run(values);
    });
    let chunk: unknown[][] = [];
    for (const values of read.iterate() as IterableIterator<unknown[]>) {
      chunk.push(values);
      if (chunk.length === ROWS_PER_TRANSACTION) {
        copy(chunk);
        rows += chunk.length;
        chunk = [];
      }
    }
    copy(chunk);
    rows += chunk.length;
  }
  const seconds = (performance.now() - started) / 1000;
  for (const { db, source } of targets) {
    db.close();
    source.close();
  }
  return { rows, seconds, maxRssKb: process.resourceUsage().maxRSS };
}

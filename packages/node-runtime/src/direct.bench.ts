import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { bench, describe } from 'vitest';
import { placeholders, prepareDirect } from './direct.js';

/**
 * Why direct.ts exists: the per-row INSERT a node runs, three ways, each in
 * one transaction on an in-memory table. Run it with
 * `pnpm vitest bench --run packages/node-runtime/src/direct.bench.ts`.
 */
const users = sqliteTable('users', { id: integer().primaryKey(), name: text().notNull(), email: text().notNull() });
const ROWS = Array.from({ length: 20_000 }, (_, i) => ({ id: i + 1, name: `User ${i}`, email: `user${i}@example.com` }));

/** A fresh table and the insert drizzle writes for it, run over every row in one transaction by `prepare`'s runner. */
function insertAll(prepare: (sqlite: Database.Database, query: ReturnType<typeof insertQuery>) => (row: (typeof ROWS)[number]) => unknown) {
  const sqlite = new Database(':memory:');
  sqlite.exec('create table users (id integer primary key, name text not null, email text not null)');
  const run = prepare(sqlite, insertQuery(sqlite));
  sqlite.transaction(() => {
    for (const row of ROWS) run(row);
  })();
  sqlite.close();
}

const insertQuery = (sqlite: Database.Database) =>
  drizzle({ client: sqlite }).insert(users).values(placeholders(users)).onConflictDoNothing();

describe(`inserting ${ROWS.length.toLocaleString('en-US')} rows`, () => {
  bench("drizzle's prepared query", () => {
    insertAll((_, query) => {
      const prepared = query.prepare();
      return (row) => prepared.run(row);
    });
  });

  bench('prepareDirect: drizzle writes the SQL, better-sqlite3 runs it', () => {
    insertAll((sqlite, query) => {
      const direct = prepareDirect(sqlite, query);
      return (row) => direct.run(row);
    });
  });

  bench('a hand-written positional statement', () => {
    insertAll((sqlite, query) => {
      const statement = sqlite.prepare(query.toSQL().sql);
      return (row) => statement.run(row.id, row.name, row.email);
    });
  });
});

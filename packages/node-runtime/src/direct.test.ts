import Database from 'better-sqlite3';
import { gt } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { describe, expect, it, vi } from 'vitest';
import { prepareInsertMany, streamRows } from './direct.js';

const things = sqliteTable('things', { id: integer().primaryKey(), label: text().notNull() });

describe('prepareInsertMany', () => {
  it('inserts records in order in statements of a power of two of them, answering the ids it inserted and skipping conflicts', () => {
    const sqlite = new Database(':memory:');
    sqlite.exec('create table things (id integer primary key, label text not null unique)');
    const prepare = vi.spyOn(sqlite, 'prepare');
    const db = drizzle({ client: sqlite });
    const insertMany = prepareInsertMany(sqlite, things, (values) =>
      db.insert(things).values(values).onConflictDoNothing().returning({ id: things.id }),
    );
    const records = Array.from({ length: 37 }, (_, i) => ({ id: i + 1, label: `t${i % 30}` }));
    // 37 rows as 32, 4 and 1; the last seven repeat a label of the first thirty and are skipped.
    expect(insertMany(records)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(insertMany(records.map((record) => ({ ...record, id: record.id + 100, label: `u${record.id}` })))).toHaveLength(37);
    expect(prepare).toHaveBeenCalledTimes(3);
    expect(sqlite.prepare('select count(*) from things').pluck().get()).toBe(67);
    sqlite.close();
  });

  it('runs a statement that returns nothing, and lets its conflicts throw', () => {
    const sqlite = new Database(':memory:');
    sqlite.exec('create table things (id integer primary key, label text not null unique)');
    const db = drizzle({ client: sqlite });
    const insertMany = prepareInsertMany(sqlite, things, (values) => db.insert(things).values(values));
    expect(insertMany([1, 2, 3].map((id) => ({ id, label: `t${id}` })))).toEqual([]);
    expect(sqlite.prepare('select label from things order by id').pluck().all()).toEqual(['t1', 't2', 't3']);
    expect(() => insertMany([{ id: 4, label: 't1' }])).toThrow(/UNIQUE/);
    sqlite.close();
  });
});

describe('streamRows', () => {
  it('streams a query again with the statement it prepared once, after a read that stopped early too', () => {
    const sqlite = new Database(':memory:');
    sqlite.exec(
      "create table things (id integer primary key, label text not null); insert into things values (1, 'a'), (2, 'b'), (3, 'c')",
    );
    const prepare = vi.spyOn(sqlite, 'prepare');
    const db = drizzle({ client: sqlite });
    const after = (id: number) => streamRows<{ id: number; label: string }>(sqlite, db.select().from(things).where(gt(things.id, id)));
    for (const thing of after(0)) if (thing.id === 1) break;
    expect([...after(1)].map((thing) => thing.label)).toEqual(['b', 'c']);
    expect([...after(0)]).toHaveLength(3);
    expect(prepare).toHaveBeenCalledTimes(1);
    // Read side by side, the same query needs a statement of its own.
    const pairs = [];
    for (const outer of after(1)) for (const inner of after(2)) pairs.push(`${outer.label}${inner.label}`);
    expect(pairs).toEqual(['bc', 'cc']);
    sqlite.close();
  });
});

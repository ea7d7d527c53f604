import type Database from 'better-sqlite3';
import { getTableColumns, Param, Placeholder, sql } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';

export interface DirectStatement<V = Record<string, unknown>> {
  run(values: V): Database.RunResult;
  /** The first row's first column, or undefined when there is no row. */
  value(values: V): unknown;
  /** Every row's first column; a statement that returns none is run. */
  column(values: V): unknown[];
}

/** How a placeholder's value is found in what a statement runs with: by its name, in a record. */
const byName = (name: string) => (values: Record<string, unknown>) => values[name];

/**
 * A drizzle query written with named placeholders, prepared once and run
 * straight on better-sqlite3: drizzle writes the SQL from the schema and
 * encodes each value by its column, and no query-builder layer runs per row.
 * For the statements a node runs once per row: drizzle's own prepared query
 * takes about 1.4 times as long per insert (direct.bench.ts), several
 * percent of a node's whole CPU time. `find` says where a placeholder's
 * value is in what the statement runs with (by default, a record keyed by
 * placeholder name).
 */
export function prepareDirect<V = Record<string, unknown>>(
  sqlite: Database.Database,
  query: { toSQL(): { sql: string; params: unknown[] } },
  find: (name: string) => (values: V) => unknown = byName as (name: string) => (values: V) => unknown,
): DirectStatement<V> {
  const { sql, params } = query.toSQL();
  const statement = sqlite.prepare(sql);
  // Each parameter is a placeholder, maybe with its column's encoder, or a constant of the query (a limit).
  const bindings = params.map((param): ((values: V) => unknown) => {
    if (param instanceof Placeholder) return find(param.name);
    if (param instanceof Param && param.value instanceof Placeholder) {
      const value = find(param.value.name);
      return (values) => param.encoder.mapToDriverValue(value(values));
    }
    return () => param;
  });
  // One array of parameters, filled again for each run: better-sqlite3 binds them before it returns.
  const parameters: unknown[] = new Array(bindings.length);
  const bind = (values: V) => {
    for (let index = 0; index < bindings.length; index++) parameters[index] = bindings[index]?.(values);
    return parameters;
  };
  const firsts = statement.reader ? statement.pluck() : undefined;
  return {
    run: (v) => statement.run(bind(v)),
    value: (v) => firsts?.get(bind(v)),
    column: (v) => {
      if (firsts) return firsts.all(bind(v));
      statement.run(bind(v));
      return [];
    },
  };
}

/**
 * An INSERT of many records of a table, as `insert` writes it from rows of
 * placeholders (a conflict clause, a RETURNING), answering the first column
 * of what it returns. One statement per row costs a node about a third more
 * per row in better-sqlite3's per-call work and SQLite's per-statement
 * setup. Records go in statements of a power of two of them, in order (37
 * as 32, 4 and 1), so that a table has a few statements, prepared at first
 * use, rather than one per count.
 */
export function prepareInsertMany<T extends SQLiteTable>(
  sqlite: Database.Database,
  table: T,
  insert: (values: ReturnType<typeof placeholders<T>>[]) => { toSQL(): { sql: string; params: unknown[] } },
): (records: readonly T['$inferInsert'][]) => unknown[] {
  const statements = new Map<number, DirectStatement<readonly Record<string, unknown>[]>>();
  const prepare = (count: number) =>
    prepareDirect<readonly Record<string, unknown>[]>(
      sqlite,
      insert(Array.from({ length: count }, (_, row) => placeholders(table, `${row}.`))),
      (name) => {
        const dot = name.indexOf('.');
        const row = Number(name.slice(0, dot));
        const key = name.slice(dot + 1);
        return (records) => records[row]?.[key];
      },
    );
  return (records) => {
    const answered: unknown[] = [];
    for (let at = 0; at < records.length; ) {
      const count = 2 ** Math.floor(Math.log2(records.length - at));
      let statement = statements.get(count);
      if (statement === undefined) {
        statement = prepare(count);
        statements.set(count, statement);
      }
      answered.push(...statement.column(count === records.length ? records : records.slice(at, at + count)));
      at += count;
    }
    return answered;
  };
}

/** A placeholder named for each column of the table (after `prefix`), as a drizzle insert's values: run with a record of the table. */
export function placeholders<T extends SQLiteTable>(table: T, prefix = ''): { [K in keyof T['$inferInsert']]-?: Placeholder } {
  const columns = Object.keys(getTableColumns(table));
  return Object.fromEntries(columns.map((name) => [name, sql.placeholder(`${prefix}${name}`)])) as {
    [K in keyof T['$inferInsert']]-?: Placeholder;
  };
}

/** Each connection's statements for streamRows, by their SQL: a few, as their values go in as parameters. */
const streamed = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/**
 * The rows of a drizzle select, streamed one at a time by better-sqlite3's
 * cursor rather than read into an array: memory stays bounded however many
 * there are. Rows come keyed by SQL column name. The statement is prepared
 * once per connection: paged reads ask again for each page, and preparing
 * cost some 0.8 ms a page, as much as reading 200 rejections.
 */
export function* streamRows<T>(sqlite: Database.Database, query: { toSQL(): { sql: string; params: unknown[] } }): Generator<T> {
  const { sql: text, params } = query.toSQL();
  let statements = streamed.get(sqlite);
  if (statements === undefined) {
    statements = new Map();
    streamed.set(sqlite, statements);
  }
  let statement = statements.get(text);
  if (statement === undefined) {
    statement = sqlite.prepare(text);
    statements.set(text, statement);
  }
  // One still being read (a caller reading two pages at once) cannot be run again meanwhile: a statement of its own.
  if (statement.busy) statement = sqlite.prepare(text);
  yield* statement.iterate(params) as IterableIterator<T>;
}

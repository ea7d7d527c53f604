import type Database from 'better-sqlite3';
import { getTableColumns, Param, Placeholder, sql } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';

export interface DirectStatement {
  run(values: Record<string, unknown>): Database.RunResult;
  /** The first row's first column, or undefined when there is no row. */
  value(values: Record<string, unknown>): unknown;
}

/**
 * A drizzle query written with named placeholders, prepared once and run
 * straight on better-sqlite3: drizzle writes the SQL from the schema and
 * encodes each value by its column, and no query-builder layer runs per row.
 * For the statements a node runs once per row: drizzle's own prepared query
 * takes about 1.4 times as long per insert (direct.bench.ts), several
 * percent of a node's whole CPU time.
 */
export function prepareDirect(sqlite: Database.Database, query: { toSQL(): { sql: string; params: unknown[] } }): DirectStatement {
  const { sql, params } = query.toSQL();
  const statement = sqlite.prepare(sql);
  // Each parameter is a placeholder, maybe with its column's encoder, or a constant of the query (a limit).
  const bindings = params.map((param): ((values: Record<string, unknown>) => unknown) => {
    if (param instanceof Placeholder) return (values) => values[param.name];
    if (param instanceof Param && param.value instanceof Placeholder) {
      const { name } = param.value;
      return (values) => param.encoder.mapToDriverValue(values[name]);
    }
    return () => param;
  });
  // One array of parameters, filled again for each run: better-sqlite3 binds them before it returns.
  const parameters: unknown[] = new Array(bindings.length);
  const bind = (values: Record<string, unknown>) => {
    for (let index = 0; index < bindings.length; index++) parameters[index] = bindings[index]?.(values);
    return parameters;
  };
  const values = statement.reader ? statement.raw() : undefined;
  return {
    run: (v) => statement.run(bind(v)),
    value: (v) => (values?.get(bind(v)) as unknown[] | undefined)?.[0],
  };
}

/** A placeholder named for each column of the table, as a drizzle insert's values: run with a record of the table. */
export function placeholders<T extends SQLiteTable>(table: T): { [K in keyof T['$inferInsert']]-?: Placeholder } {
  const columns = Object.keys(getTableColumns(table));
  return Object.fromEntries(columns.map((name) => [name, sql.placeholder(name)])) as { [K in keyof T['$inferInsert']]-?: Placeholder };
}

/**
 * The rows of a drizzle select, streamed one at a time by better-sqlite3's
 * cursor rather than read into an array: memory stays bounded however many
 * there are. Rows come keyed by SQL column name.
 */
export function* streamRows<T>(sqlite: Database.Database, query: { toSQL(): { sql: string; params: unknown[] } }): Generator<T> {
  const { sql: text, params } = query.toSQL();
  yield* sqlite.prepare(text).iterate(params) as IterableIterator<T>;
}

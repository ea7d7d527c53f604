import type Database from 'better-sqlite3';
import { Param, Placeholder } from 'drizzle-orm';

export interface DirectStatement {
  run(values: Record<string, unknown>): Database.RunResult;
  /** The first row's first column, or undefined when there is no row. */
  value(values: Record<string, unknown>): unknown;
}

/**
 * A drizzle query written with named placeholders, prepared once and run
 * straight on better-sqlite3: drizzle writes the SQL from the schema and
 * encodes each value by its column, and no query-builder layer runs per row.
 * For the statements a node runs once per row.
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
  const bind = (values: Record<string, unknown>) => bindings.map((binding) => binding(values));
  const values = statement.reader ? statement.raw() : undefined;
  return {
    run: (v) => statement.run(bind(v)),
    value: (v) => (values?.get(bind(v)) as unknown[] | undefined)?.[0],
  };
}

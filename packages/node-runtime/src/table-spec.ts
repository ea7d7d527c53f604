import type { NodeName, Reason } from '@dbsim/protocol';
import type { SQL } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';

/** A field's JSON type as a row must give it. */
export type FieldType = 'number' | 'string';
export type FieldValue = number | string;
/** A row as a table accepts it: each field of its JSON type. */
export type Input = Readonly<Record<string, FieldValue>>;
export type Fields<I extends Input = Input> = { readonly [K in keyof I]: I[K] extends number ? 'number' : 'string' };

type ColumnsOf<T extends SQLiteTable> = T['_']['columns'];
/** A drizzle table's rows as they come in: keyed by SQL column name, each of its column's type. */
export type InputOf<T extends SQLiteTable> = {
  readonly [K in keyof ColumnsOf<T> as ColumnsOf<T>[K]['_']['name']]: ColumnsOf<T>[K]['_']['data'] & FieldValue;
};

/** A value that must be unique among accepted rows (the id always is). The table must back it with a unique index. */
export interface UniqueKey<I extends Input = Input> {
  field: keyof I & string;
  reason: Reason;
  /** The key a usable value is compared by, or undefined when the value cannot be one. */
  key(value: FieldValue): string | number | undefined;
  /** How an existing row's key reads in SQL; the table indexes it. */
  stored: SQLiteColumn | SQL;
}

/** A field naming a row that another node owns (orders.user_id -> users). */
export interface Reference<I extends Input = Input> {
  field: keyof I & string;
  node: NodeName;
  reason: Reason;
}

/**
 * Everything the shared runtime needs to know of one node's table. Rows
 * come in untrusted; once a row's shape is checked, the rules see only its
 * usable fields (present and of their type), typed, and a row that passes is
 * stored as `toRecord` makes it, typed by the drizzle table.
 */
export interface TableSpec<T extends SQLiteTable & { id: SQLiteColumn } = SQLiteTable & { id: SQLiteColumn }, I extends Input = Input> {
  node: NodeName;
  table: T;
  /** The input fields, derived from the drizzle table with inputFields(). */
  fields: Fields<I>;
  /** The table's own rules on a row's usable fields: adds the reasons they find to `reasons` (most rows add none). */
  rules(row: Partial<I>, reasons: Reason[]): void;
  /** Unique keys besides the id. */
  unique?: UniqueKey<I>[];
  references?: Reference<I>[];
  /** The accepted row as the table stores it. */
  toRecord(row: I): T['$inferInsert'];
}

/**
 * A spec of any table, as the runtime holds it: what it does with a row
 * never depends on the table's input type. (With `Input` here, TypeScript's
 * variance check refuses specs whose input type is built with Omit.)
 */
// biome-ignore lint/suspicious/noExplicitAny: see above
export type AnyTableSpec = TableSpec<SQLiteTable & { id: SQLiteColumn }, any>;

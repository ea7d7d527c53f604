import type { NodeName, Reason } from '@dbsim/protocol';
import type { SQL } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Fields, Row } from './fields.js';

/** A value that must be unique among accepted rows (the id always is). The table must back it with a unique index. */
export interface UniqueKey {
  field: string;
  reason: Reason;
  /** The key a usable value is compared by, or undefined when the value cannot be one. */
  key(value: unknown): string | number | undefined;
  /** How an existing row's key reads in SQL; the table indexes it. */
  stored: SQLiteColumn | SQL;
}

/** A field naming a row that another node owns (orders.user_id -> users). */
export interface Reference {
  field: string;
  node: NodeName;
  reason: Reason;
}

/** Everything the shared runtime needs to know of one node's table. */
export interface TableSpec<T extends SQLiteTable & { id: SQLiteColumn } = SQLiteTable & { id: SQLiteColumn }> {
  node: NodeName;
  table: T;
  /** The input fields, derived from the drizzle table with inputFields(). */
  fields: Fields;
  /** The table's own rules on one row's values; unusable fields are missing or mistyped. */
  rules(row: Row, unusable: ReadonlySet<string>): Reason[];
  /** Unique keys besides the id. */
  unique?: UniqueKey[];
  references?: Reference[];
  /** The accepted row as the table stores it. */
  toRecord(row: Row): T['$inferInsert'];
}

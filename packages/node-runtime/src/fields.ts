import { REASONS, type Reason } from '@dbsim/protocol';
import { getTableColumns } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Fields, FieldType, Input } from './table-spec.js';

/**
 * A table's input fields, read off its drizzle columns (SQL names), so the
 * accepted shape is written once, in the schema. `rename` maps a column to the
 * field that feeds it where they differ (price_cents <- price).
 */
export function inputFields<I extends Input>(table: SQLiteTable, rename: Readonly<Record<string, string>> = {}): Fields<I> {
  const fields: Record<string, FieldType> = {};
  for (const column of Object.values(getTableColumns(table))) {
    fields[rename[column.name] ?? column.name] = column.dataType === 'number' ? 'number' : 'string';
  }
  return fields as Fields<I>;
}

/**
 * What an untrusted row turned out to be: its usable fields (present and of
 * their type), which the rules on a field's value apply to, or undefined when
 * it is not an object; `complete` when every field is usable.
 */
export type ShapeCheck<I extends Input> = { reasons: Reason[] } & (
  | { complete: true; row: I }
  | { complete: false; row: Partial<I> | undefined }
);

/** Each table's fields and their types, as two lists worked out once: checkShape runs for every row. */
const listsOf = new WeakMap<object, { names: string[]; types: FieldType[] }>();

/** What an untrusted row is, against a table's fields. */
export function checkShape<I extends Input>(raw: unknown, fields: Fields<I>): ShapeCheck<I> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { row: undefined, reasons: ['row_malformed'], complete: false };
  const row = raw as Record<string, unknown>;
  const reasons: Reason[] = [];
  let lists = listsOf.get(fields);
  if (lists === undefined) {
    lists = { names: Object.keys(fields), types: Object.values(fields) as FieldType[] };
    listsOf.set(fields, lists);
  }
  const { names, types } = lists;
  let present = 0;
  let usable: Record<string, unknown> | undefined;
  for (let f = 0; f < names.length; f++) {
    const field = names[f] as string;
    const has = Object.hasOwn(row, field);
    if (has) present++;
    const problem = !has ? 'field_missing' : typeof row[field] !== types[f] ? 'field_type' : undefined;
    if (problem === undefined) continue;
    if (!reasons.includes(problem)) reasons.push(problem);
    // Rare: a copy without the unusable fields, made once the first one turns up.
    usable ??= { ...row };
    delete usable[field];
  }
  // A row with more keys than the fields it has holds one the table does not: counted without a list of its keys.
  if (ownKeys(row) > present) reasons.push('field_unknown');
  // A row with every field usable is the I it was checked to be (its unknown fields, if any, go nowhere).
  return usable === undefined ? { complete: true, row: row as I, reasons } : { complete: false, row: usable as Partial<I>, reasons };
}

function ownKeys(row: Record<string, unknown>): number {
  let keys = 0;
  for (const key in row) if (Object.hasOwn(row, key)) keys++;
  return keys;
}

const ORDER = new Map(REASONS.map((reason, index) => [reason, index]));

/** Reasons in their canonical order, each once: the same list on every run. */
export function canonical(reasons: Iterable<Reason>): Reason[] {
  return [...new Set(reasons)].sort((a, b) => (ORDER.get(a) ?? 0) - (ORDER.get(b) ?? 0));
}

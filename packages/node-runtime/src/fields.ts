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

/** Each table's fields and their types, as two lists worked out once: usableFields runs for every row. */
const listsOf = new WeakMap<object, { names: string[]; types: FieldType[] }>();

/**
 * What an untrusted row is, against a table's fields: its usable fields
 * (present and of their type), which the rules on a field's value apply to,
 * or undefined when it is not an object. A row with every field usable is
 * given back itself, the I it was checked to be (its unknown fields, if any,
 * go nowhere), so `usable === raw` says it is complete; else a copy without
 * the others. What is wrong is added to `reasons`. Nothing is allocated for
 * a row that is fine: this runs for every row.
 */
export function usableFields<I extends Input>(raw: unknown, fields: Fields<I>, reasons: Reason[]): Partial<I> | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    reasons.push('row_malformed');
    return undefined;
  }
  const row = raw as Record<string, unknown>;
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
  return (usable ?? row) as Partial<I>;
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

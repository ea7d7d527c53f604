import { REASONS, type Reason } from '@dbsim/protocol';
import { getTableColumns } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';

export type FieldType = 'number' | 'string';
export type Fields = Readonly<Record<string, FieldType>>;
export type Row = Readonly<Record<string, unknown>>;

/**
 * A table's input fields, read off its drizzle columns (SQL names), so the
 * accepted shape is written once, in the schema. `rename` maps a column to the
 * field that feeds it where they differ (price -> price_cents).
 */
export function inputFields(table: SQLiteTable, rename: Readonly<Record<string, string>> = {}): Fields {
  const fields: Record<string, FieldType> = {};
  for (const column of Object.values(getTableColumns(table))) {
    fields[rename[column.name] ?? column.name] = column.dataType === 'number' ? 'number' : 'string';
  }
  return fields;
}

export interface ShapeCheck {
  /** The row as an object, or undefined when it is not one. */
  row: Row | undefined;
  reasons: Reason[];
  /** Fields that are missing or of the wrong type: rules on their values do not apply. */
  unusable: ReadonlySet<string>;
}

const NOTHING_UNUSABLE: ReadonlySet<string> = new Set();
/** Each table's fields as entries, worked out once: checkShape runs for every row. */
const entriesOf = new WeakMap<Fields, [string, FieldType][]>();

export function checkShape(raw: unknown, fields: Fields): ShapeCheck {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { row: undefined, reasons: ['row_malformed'], unusable: new Set(Object.keys(fields)) };
  }
  const row = raw as Row;
  const reasons: Reason[] = [];
  if (Object.keys(row).some((key) => !Object.hasOwn(fields, key))) reasons.push('field_unknown');
  let entries = entriesOf.get(fields);
  if (entries === undefined) {
    entries = Object.entries(fields);
    entriesOf.set(fields, entries);
  }
  let unusable = NOTHING_UNUSABLE;
  for (const [field, type] of entries) {
    const problem = !Object.hasOwn(row, field) ? 'field_missing' : typeof row[field] !== type ? 'field_type' : undefined;
    if (problem === undefined) continue;
    if (!reasons.includes(problem)) reasons.push(problem);
    if (unusable === NOTHING_UNUSABLE) unusable = new Set();
    (unusable as Set<string>).add(field);
  }
  return { row, reasons, unusable };
}

const ORDER = new Map(REASONS.map((reason, index) => [reason, index]));

/** Reasons in their canonical order, each once: the same list on every run. */
export function canonical(reasons: Iterable<Reason>): Reason[] {
  return [...new Set(reasons)].sort((a, b) => (ORDER.get(a) ?? 0) - (ORDER.get(b) ?? 0));
}

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
  unusable: Set<string>;
}

export function checkShape(raw: unknown, fields: Fields): ShapeCheck {
  const unusable = new Set<string>();
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { row: undefined, reasons: ['row_malformed'], unusable: new Set(Object.keys(fields)) };
  }
  const row = raw as Row;
  const reasons = new Set<Reason>();
  for (const key of Object.keys(row)) {
    if (!Object.hasOwn(fields, key)) reasons.add('field_unknown');
  }
  for (const [field, type] of Object.entries(fields)) {
    if (!Object.hasOwn(row, field)) {
      reasons.add('field_missing');
      unusable.add(field);
    } else if (typeof row[field] !== type) {
      reasons.add('field_type');
      unusable.add(field);
    }
  }
  return { row, reasons: [...reasons], unusable };
}

export function isRecordId(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0;
}

const ORDER = new Map(REASONS.map((reason, index) => [reason, index]));

/** Reasons in their canonical order, each once: the same list on every run. */
export function canonical(reasons: Iterable<Reason>): Reason[] {
  return [...new Set(reasons)].sort((a, b) => (ORDER.get(a) ?? 0) - (ORDER.get(b) ?? 0));
}

import { sql } from 'drizzle-orm';
import { integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { inputFields } from './fields.js';
import type { TableSpec } from './table-spec.js';

/**
 * A small table that exercises everything the runtime offers a node: a
 * unique key besides the id and a reference to another node. Its migration
 * lives in test-drizzle/ (pnpm db:generate:test).
 */
export const things = sqliteTable(
  'things',
  {
    id: integer().primaryKey(),
    label: text().notNull(),
    ownerId: integer('owner_id').notNull(),
  },
  (table) => [uniqueIndex('things_label_lower_unique').on(sql`lower(${table.label})`)],
);

export const thingsSpec: TableSpec<typeof things> = {
  node: 'orders',
  table: things,
  fields: inputFields(things),
  rules: (row, unusable) => (!unusable.has('label') && row.label === '' ? ['name_empty'] : []),
  unique: [
    {
      field: 'label',
      reason: 'email_duplicate',
      key: (value) => (typeof value === 'string' && value !== '' ? value.toLowerCase() : undefined),
      stored: sql`lower(${things.label})`,
    },
  ],
  references: [{ field: 'owner_id', node: 'users', reason: 'user_missing' }],
  toRecord: (row) => ({ id: row.id as number, label: row.label as string, ownerId: row.owner_id as number }),
};

export const TEST_MIGRATIONS = new URL('../test-drizzle', import.meta.url).pathname;

import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { inputFields } from './fields.js';
import type { Resolved } from './judge.js';
import type { NodeApp } from './run-node.js';
import type { ApplyResult } from './store.js';
import type { InputOf, TableSpec } from './table-spec.js';
import { answers, useTempStore } from './testing.js';

/**
 * A small table that exercises everything the runtime offers a node: a
 * unique key besides the id and a reference to another node. Its migration
 * lives in test-drizzle/ (pnpm --filter @dbsim/node-runtime db:generate:test).
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

type Thing = InputOf<typeof things>;

export const thingsSpec: TableSpec<typeof things, Thing> = {
  node: 'orders',
  table: things,
  fields: inputFields(things),
  rules(row, reasons) {
    if (row.label === '') reasons.push('name_empty');
  },
  unique: [
    {
      field: 'label',
      reason: 'email_duplicate',
      key: (value) => (typeof value === 'string' && value !== '' ? value.toLowerCase() : undefined),
      stored: sql`lower(${things.label})`,
    },
  ],
  references: [{ field: 'owner_id', node: 'users', reason: 'user_missing' }],
  toRecord: ({ id, label, owner_id }) => ({ id, label, ownerId: owner_id }),
};

/** The test table as a node app: what openTempStore opens. */
export const testNode: NodeApp = { spec: thingsSpec, migrationsFolder: fileURLToPath(new URL('../test-drizzle', import.meta.url)) };

/** The owners' answers when these owner ids exist and every other is missing. */
export const owners = (...ids: number[]): Resolved => answers({ owner_id: ids });
/** A row of the test table, any field of any type. */
export const thing = (id: unknown, label: unknown = `t${String(id)}`, owner_id: unknown = 1) => ({ id, label, owner_id });

export type Applied = Extract<ApplyResult, { kind: 'applied' }>;

/**
 * For a test file: the test table on a fresh store before each test, and
 * `apply` for a batch that must be applied (not a repeat, not out of order).
 */
export function useThings() {
  const temp = useTempStore(testNode);
  const apply = (offset: number, rows: unknown[], resolved = owners(1), producer = 1, seal = false): Applied => {
    const result = temp.store.apply({ producer, offset, rows, seal }, resolved);
    if (result.kind !== 'applied') throw new Error(`expected applied, got ${result.kind}`);
    return result;
  };
  return { temp, apply };
}

/** Each rejection of a batch as [position, reasons]. */
export const reasonsOf = (result: Applied) => result.rejections.map((r) => [r.position, r.reasons]);

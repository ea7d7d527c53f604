import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '@dbsim/cli';
import { NODES } from '@dbsim/protocol';
import { type DataSource, fromArray } from './source.js';
import { unreadable } from './unreadable.js';

/** The data set of the original simulation: 10 users, 10 products, 10 orders. */
export const CLASSIC = fileURLToPath(new URL('../data/classic.json', import.meta.url));

/**
 * Reads a data file: `{"users": [...], "products": [...], "orders": [...]}`.
 * Anything unusable is one UsageError line naming the file, raised before a
 * run touches any database.
 */
export async function loadDataSet(file: string): Promise<DataSource> {
  const name = basename(file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw unreadable(file, error);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`data file ${name} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  return checkShape(parsed, name);
}

/** Rows are checked by the node that owns them, not here: only the file's shape is. */
function checkShape(parsed: unknown, name: string): DataSource {
  const expected = `an object with arrays ${NODES.join(', ')}`;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`data file ${name} must hold ${expected}, not ${describe(parsed)}`);
  }
  const record = parsed as Record<string, unknown>;
  const unknown = Object.keys(record).filter((key) => !(NODES as readonly string[]).includes(key));
  if (unknown.length > 0) throw new UsageError(`data file ${name} has unknown key ${JSON.stringify(unknown[0])}: expected ${expected}`);
  for (const table of NODES) {
    if (!Object.hasOwn(record, table)) throw new UsageError(`data file ${name} has no "${table}" array: expected ${expected}`);
    if (!Array.isArray(record[table]))
      throw new UsageError(`data file ${name}: "${table}" must be an array, not ${describe(record[table])}`);
  }
  const tables = record as Record<(typeof NODES)[number], unknown[]>;
  return { users: fromArray(tables.users), products: fromArray(tables.products), orders: fromArray(tables.orders) };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

import { fileURLToPath } from 'node:url';
import { perNode } from '@dbsim/protocol';
import { tableRows } from './json-rows.js';
import { checkShape } from './json-shape.js';
import type { DataSource } from './source.js';

/** The data set of the original simulation: 10 users, 10 products, 10 orders. */
export const CLASSIC = fileURLToPath(new URL('../data/classic.json', import.meta.url));

/**
 * Reads a data file: `{"users": [...], "products": [...], "orders": [...]}`,
 * of any size: it is read through once to check its shape and count the
 * rows, and then once per table as that table's rows are streamed.
 * Anything unusable is one UsageError line naming the file, raised before a
 * run touches any database.
 */
export async function loadDataSet(file: string): Promise<DataSource> {
  const counts = await checkShape(file);
  return perNode((table) => ({ count: counts[table], rows: () => tableRows(file, table) }));
}

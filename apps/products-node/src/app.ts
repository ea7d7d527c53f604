import { fileURLToPath } from 'node:url';
import type { NodeApp } from '@dbsim/node-runtime';
import { productsSpec } from './table.js';

/**
 * products-node: its table's spec and its own migrations. Its page cache is
 * SQLite's default 2 MB: its lookups are answered from the ids it holds in
 * memory, and its inserts come in id order, so a larger cache only filled
 * as its file grew: with 8 MB its peak RSS was 149 to 160 MB on a data set
 * four times the default size, with 2 MB 138 to 154.
 */
export const productsNode: NodeApp = {
  spec: productsSpec,
  migrationsFolder: fileURLToPath(new URL('../drizzle', import.meta.url)),
  cacheKib: 2000,
};

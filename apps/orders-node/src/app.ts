import { fileURLToPath } from 'node:url';
import type { NodeApp } from '@dbsim/node-runtime';
import { ordersSpec } from './table.js';

/**
 * orders-node: its table's spec and its own migrations. Its page cache is
 * SQLite's default 2 MB, as products-node's: its inserts come in id order
 * and it reads its file back only for the seal's held-back rows and the
 * report, so a larger cache only filled as its file grew. With 8 MB its
 * peak RSS was 147 MB at a quarter of the default size and 158 to 161 at
 * four times it (+9%); with 2 MB, 143 to 149 and 153 to 159, in as much
 * time (4 alternating pairs of runs at the default size: 6.95 s against
 * 6.93).
 */
export const ordersNode: NodeApp = {
  spec: ordersSpec,
  migrationsFolder: fileURLToPath(new URL('../drizzle', import.meta.url)),
  cacheKib: 2000,
};

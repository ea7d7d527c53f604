import { fileURLToPath } from 'node:url';
import type { NodeApp } from '@dbsim/node-runtime';
import { ordersSpec } from './table.js';

/** orders-node: its table's spec and its own migrations. */
export const ordersNode: NodeApp = { spec: ordersSpec, migrationsFolder: fileURLToPath(new URL('../drizzle', import.meta.url)) };

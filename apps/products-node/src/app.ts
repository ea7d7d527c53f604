import { fileURLToPath } from 'node:url';
import type { NodeApp } from '@dbsim/node-runtime';
import { productsSpec } from './table.js';

/** products-node: its table's spec and its own migrations. */
export const productsNode: NodeApp = { spec: productsSpec, migrationsFolder: fileURLToPath(new URL('../drizzle', import.meta.url)) };

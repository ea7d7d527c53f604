import { fileURLToPath } from 'node:url';
import type { NodeApp } from '@dbsim/node-runtime';
import { usersSpec } from './table.js';

/** users-node: its table's spec and its own migrations. */
export const usersNode: NodeApp = { spec: usersSpec, migrationsFolder: fileURLToPath(new URL('../drizzle', import.meta.url)) };

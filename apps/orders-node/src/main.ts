import { fileURLToPath } from 'node:url';
import { runNode } from '@dbsim/node-runtime';
import { ordersSpec } from './table.js';

runNode({ spec: ordersSpec, migrationsFolder: fileURLToPath(new URL('../drizzle', import.meta.url)) });

import { fileURLToPath } from 'node:url';
import { runNode } from '@dbsim/node-runtime';
import { productsSpec } from './table.js';

runNode({ spec: productsSpec, migrationsFolder: fileURLToPath(new URL('../drizzle', import.meta.url)) });

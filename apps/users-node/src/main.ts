import { fileURLToPath } from 'node:url';
import { runNode } from '@dbsim/node-runtime';
import { usersSpec } from './table.js';

runNode({ spec: usersSpec, migrationsFolder: fileURLToPath(new URL('../drizzle', import.meta.url)) });

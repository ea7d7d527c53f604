#!/usr/bin/env node
// pnpm users-node [options]: users-node on its own, for debugging.
import { launch } from '../launch.mjs';

await launch('apps/users-node', process.argv.slice(2), { heap: 'node' });

#!/usr/bin/env node
// pnpm orders-node [options]: orders-node on its own, for debugging.
import { launch } from '../launch.mjs';

await launch('apps/orders-node', process.argv.slice(2), { heap: 'node' });

#!/usr/bin/env node
// pnpm products-node [options]: products-node on its own, for debugging.
import { launch } from '../launch.mjs';

await launch('apps/products-node', process.argv.slice(2), { heap: 'node' });

#!/usr/bin/env node
// pnpm node:users|products|orders [options]: one node on its own, for debugging (a root script, as a bin name cannot hold ":").
import { launch } from '../launch.mjs';

const [node, ...args] = process.argv.slice(2);
await launch(`apps/${node}-node`, args, { heap: true });

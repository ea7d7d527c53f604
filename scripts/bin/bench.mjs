#!/usr/bin/env node
// pnpm bench [options]: the simulation against a baseline of raw SQLite inserts.
import { launch } from '../launch.mjs';

await launch('apps/bench', process.argv.slice(2));

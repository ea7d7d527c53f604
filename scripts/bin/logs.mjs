#!/usr/bin/env node
// pnpm logs [DIR] [filters]: a run's log, pretty; the same as pnpm dbsim logs.
import { launch } from '../launch.mjs';

await launch('apps/client', ['logs', ...process.argv.slice(2)]);

#!/usr/bin/env node
// pnpm simulate [options]: the orchestrator, which runs the whole simulation.
import { launch } from '../launch.mjs';

await launch('apps/orchestrator', process.argv.slice(2), { heap: 'orchestrator' });

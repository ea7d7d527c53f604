#!/usr/bin/env node
// pnpm dbsim COMMAND: the client that inspects and pokes nodes and runs.
import { launch } from '../launch.mjs';

await launch('apps/client', process.argv.slice(2));

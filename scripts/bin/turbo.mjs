#!/usr/bin/env node
// pnpm turbo ...: turbo itself, except that `turbo run simulate -- ARGS` builds
// through turbo and then runs the orchestrator directly, so that ARGS never
// reach turbo's task hashes (see launch.mjs) and the run has the terminal.
import { spawnSync } from 'node:child_process';
import { launch, turbo, turboEnv } from '../launch.mjs';

const args = process.argv.slice(2);
const end = args.indexOf('--');
const ours = end === -1 ? args : args.slice(0, end);
const tasks = ours.slice(1).filter((arg) => !arg.startsWith('-'));
if (ours[0] === 'run' && tasks.length === 1 && tasks[0] === 'simulate') {
  await launch('apps/orchestrator', end === -1 ? [] : args.slice(end + 1), { heap: 'orchestrator' });
} else {
  const { status, signal, error } = spawnSync(process.execPath, [...turbo, ...args], { stdio: 'inherit', env: turboEnv });
  if (error) process.stderr.write(`turbo: ${error.message}\n`);
  process.exit(status ?? (signal ? 1 : 0));
}

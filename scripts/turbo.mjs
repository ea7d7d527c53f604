#!/usr/bin/env node
// `pnpm turbo ...` and `pnpm simulate` run this root script rather than
// turbo's own bin. When the simulation runs it adds --log-prefix=none, so its
// stdout stays pure JSON lines for `| pnpm exec pino-pretty`. It also passes
// on the folder the user typed the command in (see caller-env.mjs).
import { spawnSync } from 'node:child_process';
import { callerEnv } from './caller-env.mjs';

const args = process.argv.slice(2);
const end = args.indexOf('--');
const ours = end === -1 ? args : args.slice(0, end);
if (ours.includes('simulate') && !ours.some((arg) => arg.startsWith('--log-prefix'))) {
  args.splice(end === -1 ? args.length : end, 0, '--log-prefix=none');
}
const env = callerEnv();
const { status, signal, error } = spawnSync('turbo', args, { stdio: 'inherit', env });
if (error) {
  process.stderr.write(`turbo: ${error.message}\n`);
  process.exit(1);
}
process.exit(status ?? (signal ? 1 : 0));

#!/usr/bin/env node
// `pnpm turbo ...` and `pnpm simulate` run this root script rather than
// turbo's own bin. When the simulation runs it adds --log-prefix=none, so its
// stdout stays pure JSON lines for `| pnpm exec pino-pretty`. It also passes
// on the folder the user typed the command in: pnpm resets INIT_CWD for the
// nested `pnpm run` turbo starts, and relative paths such as --data must
// resolve against the user's folder, not the package's.
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const end = args.indexOf('--');
const ours = end === -1 ? args : args.slice(0, end);
if (ours.includes('simulate') && !ours.some((arg) => arg.startsWith('--log-prefix'))) {
  args.splice(end === -1 ? args.length : end, 0, '--log-prefix=none');
}
const env = { ...process.env, DBSIM_CALLER_CWD: process.env.DBSIM_CALLER_CWD ?? process.env.INIT_CWD ?? process.cwd() };
const { status, signal, error } = spawnSync('turbo', args, { stdio: 'inherit', env });
if (error) {
  process.stderr.write(`turbo: ${error.message}\n`);
  process.exit(1);
}
process.exit(status ?? (signal ? 1 : 0));

#!/usr/bin/env node
// What the front door costs: `pnpm simulate` and `pnpm turbo run simulate --`
// with a new --dir each time (a new set of arguments, the build warm) against
// the orchestrator run directly, on the classic data set. Prints the fastest
// of a few rounds of each, and the difference. node scripts/overhead.mjs [ROUNDS]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './launch.mjs';

const rounds = Number(process.argv[2] ?? 3);
const scratch = mkdtempSync(join(tmpdir(), 'dbsim-overhead-'));
/** @type {Record<string, (dir: string) => [string, string[]]>} */
const ways = {
  'pnpm simulate': (dir) => ['pnpm', ['simulate', '--dir', dir]],
  'pnpm turbo run simulate': (dir) => ['pnpm', ['turbo', 'run', 'simulate', '--', '--dir', dir]],
  'node apps/orchestrator/dist/main.js': (dir) => [process.execPath, [join(root, 'apps/orchestrator/dist/main.js'), '--dir', dir]],
};

/**
 * Seconds one command takes, or the process exits with its error.
 * @param {string} command
 * @param {string[]} args
 */
function time(command, args) {
  const started = performance.now();
  const { status, stderr } = spawnSync(command, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (status !== 0) {
    process.stderr.write(`${command} ${args.join(' ')} failed (${status}):\n${stderr}`);
    process.exit(1);
  }
  return (performance.now() - started) / 1000;
}

try {
  const way = (/** @type {string} */ name) => /** @type {(dir: string) => [string, string[]]} */ (ways[name]);
  time(...way('pnpm simulate')(join(scratch, 'warm'))); // builds, if anything changed
  /** @type {Record<string, number>} */
  const best = {};
  let n = 0;
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of Object.entries(ways)) best[name] = Math.min(best[name] ?? Infinity, time(...run(join(scratch, `run${n++}`))));
  }
  const direct = best['node apps/orchestrator/dist/main.js'] ?? 0;
  for (const [name, seconds] of Object.entries(best)) {
    const over = name.startsWith('node') ? '' : `  (+${(seconds - direct).toFixed(2)} s)`;
    process.stdout.write(`${name.padEnd(38)} ${seconds.toFixed(2)} s${over}\n`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

#!/usr/bin/env node
// `pnpm dbsim`, `pnpm logs` and `pnpm node:<name>` run this: it builds one app
// (and what it depends on) through turbo, silently unless the build fails, so
// that the app's output stays its own, then runs the app's dist/main.js in the
// foreground with the arguments given. Ctrl-C reaches the app directly.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { callerEnv } from './caller-env.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const [app, ...args] = process.argv.slice(2);
const env = callerEnv();

const build = spawnSync('turbo', ['run', 'build', `--filter=./${app}...`, '--output-logs=errors-only', '--log-prefix=none'], {
  cwd: root,
  env,
  stdio: ['ignore', 'pipe', 'pipe'],
  encoding: 'utf8',
});
if (build.error || build.status !== 0) {
  process.stderr.write(
    `${build.stdout ?? ''}${build.stderr ?? ''}build of ${app} failed${build.error ? `: ${build.error.message}` : ''}\n`,
  );
  process.exit(1);
}
const child = spawn(process.execPath, [join(root, app, 'dist/main.js'), ...args], { env, stdio: 'inherit' });
// The terminal sends Ctrl-C to the whole process group; the app handles it, and this waits for it to finish.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => {});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

// Runs one app of the repo in the foreground, after building it (and what it
// depends on) through turbo. The build's output is shown only when it fails,
// and its command line never carries the app's arguments, which turbo would
// fold into every task's hash and so rebuild everything on each new argument
// (vercel/turborepo#11025). The app inherits the terminal, so it can draw
// its progress, and its exit code is this process's.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = dirname(dirname(fileURLToPath(import.meta.url)));

/**
 * turbo's own entry point, and how it is run: this package's turbo as it is
 * (--skip-infer: without it turbo looks for one the repo root depends on,
 * finds none, and warns on every run), with no telemetry notice on a first run.
 */
export const turbo = [createRequire(import.meta.url).resolve('turbo/bin/turbo'), '--skip-infer'];
export const turboEnv = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', TURBO_NO_UPDATE_NOTIFIER: '1' };

/**
 * Builds `app` quietly; on failure prints what turbo said and exits with its code.
 * @param {string} app
 */
export function build(app) {
  const result = spawnSync(
    process.execPath,
    [...turbo, 'run', 'build', `--filter=./${app}...`, '--output-logs=errors-only', '--log-prefix=none', '--log-order=grouped'],
    { cwd: root, env: turboEnv, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' },
  );
  if (result.error || result.status !== 0) {
    process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}`);
    process.stderr.write(`${app}: the build failed${result.error ? `: ${result.error.message}` : ''}\n`);
    process.exit(result.status || 1);
  }
}

/**
 * Builds `app`, then runs its dist/main.js with `args` in the caller's
 * folder. `heap`: with the V8 heap settings of the orchestrator or of the
 * node `app` is, which Node takes on its command line only (and the
 * orchestrator's malloc settings, in its environment).
 * @param {string} app
 * @param {string[]} args
 * @param {{ heap?: 'orchestrator' | 'node' }} [options]
 */
export async function launch(app, args, { heap } = {}) {
  build(app);
  const settings = heap && (await import(join(root, 'packages/cli/dist/heap.js')));
  const orchestrator = heap === 'orchestrator';
  const flags = !settings ? [] : orchestrator ? settings.ORCHESTRATOR_HEAP_FLAGS : settings.NODE_HEAP_FLAGS[basename(app)];
  const env = orchestrator ? settings.orchestratorEnv() : process.env;
  const child = spawn(process.execPath, [...flags, join(root, app, 'dist/main.js'), ...args], { stdio: 'inherit', env });
  // The terminal sends Ctrl-C to the whole process group: the app handles it, and this waits for it to finish.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => {});
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 1)));
}

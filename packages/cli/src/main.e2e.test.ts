import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const MAIN = new URL('../dist/main.js', import.meta.url).pathname;

/** Runs a tiny program through runMain in a real process, to see exactly what a user sees. */
function run(body: string, env: NodeJS.ProcessEnv = {}) {
  const script = `import { runMain, UsageError } from ${JSON.stringify(MAIN)}; runMain('prog', async () => { ${body} });`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
  });
}

describe('runMain', () => {
  it('turns a usage error into one line and exit code 2', () => {
    const { status, stderr } = run("throw new UsageError('--dir is a file');");
    expect({ status, stderr }).toEqual({ status: 2, stderr: 'prog: --dir is a file\n' });
  });

  it('turns any other failure into one line, no stack trace, and exit code 1', () => {
    const { status, stderr } = run("throw new Error('disk full\\n    at somewhere (x.js:1:1)');");
    expect({ status, stderr }).toEqual({ status: 1, stderr: 'prog: disk full\n' });
  });

  it('shows the stack of a failure that is not a usage error, and of what it wraps, under LOG_LEVEL=debug', () => {
    const { status, stderr } = run("throw new Error('report failed', { cause: new Error('disk full') });", { LOG_LEVEL: 'debug' });
    expect(status).toBe(1);
    expect(stderr).toMatch(/^prog: report failed\nError: report failed\n {4}at .*\ncaused by: Error: disk full\n {4}at /s);
    expect(run("throw new UsageError('--dir is a file');", { LOG_LEVEL: 'debug' }).stderr).toBe('prog: --dir is a file\n');
  });

  it('refuses a LOG_LEVEL that is not a level in one line naming the valid ones, before the body runs', () => {
    const { status, stderr, stdout } = run("process.stdout.write('ran');", { LOG_LEVEL: 'verbose' });
    expect({ status, stderr, stdout }).toEqual({
      status: 2,
      stderr: 'prog: LOG_LEVEL=verbose is not a log level: use one of fatal, error, warn, info, debug, trace, silent\n',
      stdout: '',
    });
  });

  it('exits with the code the body returns', () => {
    expect(run('return 3;').status).toBe(3);
  });
});

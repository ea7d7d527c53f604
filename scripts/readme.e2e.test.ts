import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root } from './launch.mjs';

/**
 * Every command the README shows works as written. The README's `sh` blocks
 * are run in order, in the repo, each to exit code 0, and so is every inline
 * command (`pnpm ...`, `node ...`) that holds no placeholder such as DIR or
 * [options]. These are the exceptions, each with its reason:
 */
const NOT_RUN: Record<string, string> = {
  'pnpm test': 'it is what runs this test',
  'pnpm test:e2e': 'it runs this test',
  'pnpm test:chaos': 'many chaos schedules, for minutes: pnpm test runs a few of each',
  'node --inspect-brk apps/users-node/dist/main.js --dir databases': 'it waits for a debugger to attach',
  'pnpm dbsim status tcp://10.0.0.5:7400': 'it needs a node on another host (hosts.e2e.test.ts runs that)',
  'npm install -g pnpm@12': 'it installs pnpm for the whole machine (.ci/run does)',
};
/**
 * Commands that serve until Ctrl-C: started, awaited until they print the
 * pattern, and stopped at the end of their section, or when the next one
 * starts (the README gives them as ways to do the same).
 */
const SERVING: Record<string, RegExp> = {
  'pnpm users-node | pnpm exec pino-pretty': /node started/,
  'pnpm --filter @dbsim/users-node start --dir databases': /"msg":"node started"/,
  'pnpm dev': /Found 0 errors\. Watching for file changes/,
  'pnpm dbsim view': /http:\/\/127\.0\.0\.1:\d+\//,
  // Once its run is over: the commands after it may use the same folder.
  'pnpm simulate --ui': /until Ctrl-C/,
};
/** Long commands run with a small data set instead, and under chaos with pauses and partitions of a second or so. */
function small(command: string): string {
  const sizes = 'users=300,products=60,orders=500';
  const sized = command.replace(/users=\d+,products=\d+,orders=\d+/, sizes).replace(/ --chaos /, ' --hang-timeout 1000 --chaos ');
  if (!sized.startsWith('pnpm bench')) return sized;
  return sized === command ? `${command} --generate ${sizes} --runs 1` : `${sized} --runs 1`;
}

const PLACEHOLDER = /\b(DIR|FILE|NODE|SQL|SIZES|ARGS|HOST|PORT|ADDRESS)\b|\[|<|\.\.\.|…/;

interface Command {
  text: string;
  section: string;
}

/** The commands of the README in order: each line of an `sh` block, and each inline command without placeholders. */
function commands(readme: string): Command[] {
  const found: Command[] = [];
  let section = '';
  let block: string | undefined;
  for (const line of readme.split('\n')) {
    const fence = line.trim().match(/^```(\w*)$/);
    if (fence) {
      block = block === undefined ? fence[1] : undefined;
      continue;
    }
    if (block === 'sh') {
      const text = line.trim();
      if (text !== '' && !text.startsWith('#')) found.push({ text, section });
      continue;
    }
    if (block !== undefined) continue;
    if (line.startsWith('## ')) section = line.slice(3);
    for (const [, inline] of line.matchAll(/`((?:pnpm|npm|node|sqlite3) [^`]+)`/g)) {
      if (!PLACEHOLDER.test(inline as string)) found.push({ text: inline as string, section });
    }
  }
  return found;
}

const README = readFileSync(join(root, 'README.md'), 'utf8');

/**
 * The commands run in a copy of the checkout, as it stands, so that they
 * write their runs there and never over the ones of whoever runs the tests:
 * its files, git's and turbo's records copied, its node_modules folders
 * hard-linked (the commands only read them).
 */
let checkout: string;
beforeAll(() => {
  checkout = mkdtempSync(join(tmpdir(), 'dbsim-readme-'));
  const sh = (script: string, input?: string) =>
    execFileSync('bash', ['-c', script], { cwd: root, input, stdio: ['pipe', 'ignore', 'inherit'] });
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
    .split('\0')
    .filter((file) => file !== '' && existsSync(join(root, file))); // not the files deleted but not yet committed
  sh(`tar -c --null -T - .git $(ls -d .turbo 2>/dev/null) | tar -x -C '${checkout}'`, files.join('\0'));
  sh(
    `shopt -s nullglob; for modules in node_modules */*/node_modules scripts/node_modules; do cp -al "$modules" '${checkout}/'"$modules"; done`,
  );
}, 120_000);
afterAll(() => rmSync(checkout, { recursive: true, force: true }));

/** What runs wrote in a checkout: the files in its runs/ and databases/ folders, with the time each last changed. */
function runsIn(dir: string): Record<string, number> {
  const files: Record<string, number> = {};
  for (const folder of ['runs', 'databases']) {
    const path = join(dir, folder);
    const names = statSync(path, { throwIfNoEntry: false }) ? readdirSync(path, { recursive: true, encoding: 'utf8' }) : [];
    for (const name of names) files[join(folder, name)] = statSync(join(path, name)).mtimeMs;
  }
  return files;
}

/** The environment of a user's shell: not the folder pnpm was started in to run these tests. */
function shellEnv(): NodeJS.ProcessEnv {
  const { INIT_CWD: _, ...env } = process.env;
  return { ...env, CI: 'true' };
}

function run(command: string): { status: number | null; output: string } {
  const { status, stdout, stderr } = spawnSync('bash', ['-c', command], { cwd: checkout, encoding: 'utf8', env: shellEnv() });
  return { status, output: `${stdout}${stderr}` };
}

function serve(command: string, ready: RegExp): Promise<ChildProcess> {
  const child = spawn('bash', ['-c', command], { cwd: checkout, env: shellEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const watch = (chunk: Buffer) => {
      output += chunk;
      if (ready.test(output)) resolve(child);
    };
    child.stdout?.on('data', watch);
    child.stderr?.on('data', watch);
    child.on('exit', (code) => reject(new Error(`${command} exited (${code}) before it was ready:\n${output}`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.on('exit', resolve));
  process.kill(-(child.pid as number), 'SIGINT'); // the whole pipeline, as Ctrl-C does
  await exited;
}

describe('the README', () => {
  const all = commands(README);

  it('lists only exceptions that it still shows', () => {
    const texts = new Set(all.map((command) => command.text));
    for (const command of [...Object.keys(NOT_RUN), ...Object.keys(SERVING)]) expect(texts, command).toContain(command);
  });

  it('shows commands that all work as written, in order, writing nothing into the checkout the tests run in', async () => {
    const before = runsIn(root);
    const serving: { section: string; child: ChildProcess }[] = [];
    try {
      for (const { text, section } of all) {
        while (serving.length > 0 && serving.at(-1)?.section !== section) await stop((serving.pop() as { child: ChildProcess }).child);
        if (NOT_RUN[text] !== undefined) continue;
        const ready = SERVING[text];
        if (ready !== undefined) {
          for (const { child } of serving.splice(0)) await stop(child);
          serving.push({ section, child: await serve(text, ready) });
          continue;
        }
        const { status, output } = run(small(text));
        expect(status, `${small(text)}\n${output}`).toBe(0);
      }
    } finally {
      for (const { child } of serving) await stop(child);
    }
    expect(runsIn(checkout)).not.toEqual({});
    expect(runsIn(root)).toEqual(before);
  }, 900_000);
});

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { root } from './launch.mjs';

/**
 * `pnpm simulate` on a real terminal: a pseudo-terminal made by util-linux's
 * `script`, 100 columns wide, typed into as a person would (Ctrl-C is the
 * byte 0x03, which the terminal turns into SIGINT for the run).
 */
const hasScript = spawnSync('script', ['--version']).status === 0;
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Terminal {
  output(): string;
  /** Resolves once the screen has shown text matching the pattern. */
  shows(pattern: RegExp): Promise<void>;
  type(text: string): void;
  exited: Promise<number | null>;
}

function terminal(command: string): Terminal {
  const env = { ...process.env, CI: '', TERM: 'xterm' };
  const child = spawn('script', ['-qfec', `stty cols 100 rows 40; ${command}`, '/dev/null'], {
    cwd: root,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const waiting: { pattern: RegExp; resolve(): void }[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk;
    for (const wait of [...waiting]) if (wait.pattern.test(output)) waiting.splice(waiting.indexOf(wait), 1) && wait.resolve();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return {
    output: () => output,
    shows: (pattern) =>
      Promise.race([
        new Promise<void>((resolve) => waiting.push({ pattern, resolve })),
        exited.then(() => (pattern.test(output) ? undefined : Promise.reject(new Error(`the screen never showed ${pattern}:\n${output}`)))),
      ]),
    type: (text) => child.stdin.write(text),
    exited,
  };
}

const UP = '\x1b[1A';
const ERASE_LINE = '\x1b[2K';

/** What the screen holds in the end: text written at the cursor, which \r, \n, and moving up and erasing lines move about. */
function screen(output: string): string[] {
  const rows: string[][] = [[]];
  let [row, column] = [0, 0];
  for (let i = 0; i < output.length; ) {
    if (output.startsWith(UP, i) || output.startsWith(ERASE_LINE, i)) {
      if (output.startsWith(UP, i)) row = Math.max(0, row - 1);
      else rows[row] = [];
      i += UP.length;
      continue;
    }
    const char = output[i++] as string;
    if (char === '\r') column = 0;
    else if (char === '\n') row++;
    else {
      rows[row] ??= [];
      (rows[row] as string[])[column++] = char;
    }
  }
  const lines = Array.from(rows, (chars) => Array.from(chars ?? [], (char) => char ?? ' ').join(''));
  while (lines.at(-1) === '') lines.pop();
  return lines;
}

const PROGRESS = /^(users|products|orders) +[\d,]+ (of [\d,]+ )?rows/;

describe.skipIf(!hasScript && !process.env.CI)('pnpm simulate on a terminal', () => {
  it('shows the progress in place, then only the summary: the log lines go to the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbsim-tty-'));
    dirs.push(dir);
    const run = terminal(`pnpm simulate --generate users=200000,products=20000,orders=200000 --dir ${dir}`);
    await run.shows(/users +[\d,]+ of 200,000 rows/);
    expect(await run.exited).toBe(0);
    const output = run.output();
    expect(output).toContain(`${UP}${ERASE_LINE}`); // redrawn in place
    expect(output).not.toMatch(/"msg":/); // no JSON on the terminal
    const lines = screen(output);
    expect(lines.filter((line) => PROGRESS.test(line))).toEqual([]);
    expect(lines).toContainEqual(expect.stringMatching(/^users +200,000 +[\d,]+ +[\d,]+ +[\d.]+ s +0$/));
    expect(lines.every((line) => line.length <= 100 || line.startsWith('simulate: run'))).toBe(true);
    expect(lines.at(-1)).toBe(`log:    ${dir}/simulate.log  (read it with: pnpm logs ${dir})`);
  }, 120_000);

  it('leaves a clean screen on Ctrl-C: no progress left behind, and how far each node got', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbsim-tty-'));
    dirs.push(dir);
    const run = terminal(`pnpm simulate --generate users=3000000,products=300000,orders=3000000 --dir ${dir}`);
    await run.shows(/rows\/s/);
    run.type('\x03');
    expect(await run.exited).toBe(130);
    const lines = screen(run.output());
    expect(lines.filter((line) => PROGRESS.test(line))).toEqual([]);
    expect(lines.slice(-2)).toEqual([
      'simulate: stopping: the nodes finish their transactions and close their databases',
      expect.stringMatching(/^simulate: interrupted; rows committed: users [\d,]+ of 3,000,000, .* Continue with --resume --dir /),
    ]);
  }, 120_000);
});

import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ORCHESTRATOR_HEAP_FLAGS, orchestratorEnv } from '@dbsim/cli';
import Database from 'better-sqlite3';
import { afterAll, expect } from 'vitest';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  child: ChildProcess;
  finished: Promise<Finished>;
  /** Resolves once stdout holds a line matching the pattern. */
  output(pattern: RegExp): Promise<string>;
  /** What stdout has held so far. */
  stdout(): string;
  /** What stderr has held so far. */
  stderr(): string;
}

/** Starts the real, built orchestrator, which forks the real nodes; `wrapper` runs it inside another command. */
export function start(args: string[], env: NodeJS.ProcessEnv = {}, wrapper: string[] = []): Running {
  const [command, ...rest] = [...wrapper, process.execPath, ...ORCHESTRATOR_HEAP_FLAGS, MAIN, ...args] as [string, ...string[]];
  const child = spawn(command, rest, { env: orchestratorEnv({ ...process.env, LOG_LEVEL: 'info', ...env }) });
  let stdout = '';
  let stderr = '';
  const watchers: { pattern: RegExp; resolve(line: string): void }[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk;
    for (const watcher of [...watchers]) {
      const line = stdout.split('\n').find((l) => watcher.pattern.test(l));
      if (line !== undefined) {
        watchers.splice(watchers.indexOf(watcher), 1);
        watcher.resolve(line);
      }
    }
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  const finished = new Promise<Finished>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  const output = (pattern: RegExp) =>
    Promise.race([
      new Promise<string>((resolve) => watchers.push({ pattern, resolve })),
      finished.then(() => Promise.reject(new Error(`the run ended before logging ${pattern}`))),
    ]);
  return { child, finished, output, stdout: () => stdout, stderr: () => stderr };
}

/** Runs the real, built orchestrator to its end. */
export function simulate(args: string[], env: NodeJS.ProcessEnv = {}, wrapper: string[] = []): Promise<Finished> {
  return start(args, env, wrapper).finished;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'dbsim-run-'));
}

/** Makes temporary folders for a test file's runs, each removed once the file's tests are done. */
export function useTempDirs(): () => string {
  const dirs: string[] = [];
  afterAll(() => {
    for (const made of dirs) rmSync(made, { recursive: true, force: true });
  });
  return () => {
    const made = tempDir();
    dirs.push(made);
    return made;
  };
}

/** Reads a node's SQLite file the way a user's tool would: read-only, after the run. */
export function query<T = unknown>(dir: string, node: string, sql: string): T[] {
  const db = new Database(join(dir, `${node}.db`), { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

export const TABLES = ['users', 'products', 'orders'] as const;

/** What a finished run left in DIR, in a form two runs can be compared by. */
export interface Outcome {
  /** Every table's rows, in id order. */
  rows: Record<string, unknown[]>;
  /** The rejections tables, in stream order. */
  rejected: Record<string, unknown[]>;
  report: string;
  /** The rejection lines of simulate.log without time and pid, sorted: interleaving between nodes varies by run. */
  rejectionLog: string[];
}

/** Every file in DIR and a hash of its bytes: equal snapshots mean nothing in the folder was touched. */
export function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((name) => [
        name,
        createHash('sha256')
          .update(readFileSync(join(dir, name)))
          .digest('hex'),
      ]),
  );
}

export function outcome(dir: string): Outcome {
  const rows: Record<string, unknown[]> = {};
  const rejected: Record<string, unknown[]> = {};
  for (const table of TABLES) {
    rows[table] = query(dir, table, `select * from ${table} order by id`);
    rejected[table] = query(dir, table, 'select producer, position, id, row, reasons from rejections order by producer, position');
    expect(query(dir, table, 'pragma integrity_check')).toEqual([{ integrity_check: 'ok' }]);
  }
  const rejectionLog = jsonLines(readFileSync(join(dir, 'simulate.log'), 'utf8'))
    .filter((line) => line.msg === 'row rejected')
    .map(({ name, table, run, position, id, reasons, row }) => JSON.stringify({ name, table, run, position, id, reasons, row }))
    .sort();
  return { rows, rejected, report: readFileSync(join(dir, 'report.json'), 'utf8'), rejectionLog };
}

/** The outcome of a data set run undisturbed in `dir`: what runs of it under faults must come to. */
export async function undisturbedOutcome(dir: string, data: string[]): Promise<Outcome> {
  const { code, stderr } = await simulate([...data, '--dir', dir]);
  expect(code, stderr).toBe(0);
  return outcome(dir);
}

/** A finished chaos run: how it ended, and what its nemesis says it injected, per node and kind. */
export interface ChaosRun extends Finished {
  injected: Record<string, Record<string, number>>;
}

/** Runs the orchestrator under `--chaos`, which compares the outcome with an undisturbed run's at the end. */
export async function chaosRun(args: string[]): Promise<ChaosRun> {
  const finished = await simulate(args);
  const summary = jsonLines(finished.stdout).find((line) => line.msg === 'chaos: injected');
  return { ...finished, injected: (summary?.injected ?? {}) as ChaosRun['injected'] };
}

/** How many of a kind of fault a chaos run injected, over every node. */
export function injectedTotal(run: ChaosRun, kind: string): number {
  return Object.values(run.injected).reduce((sum, kinds) => sum + (kinds[kind] ?? 0), 0);
}

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type EventLine, readEvent, readLine } from '@dbsim/logger';
import type { Durability, Reason } from '@dbsim/protocol';
import { afterEach, beforeEach } from 'vitest';
import type { Resolved } from './judge.js';
import type { NodeApp } from './run-node.js';
import { NodeStore } from './store.js';

/** Owners' answers: per reference field the ids found and, optionally, those not yet decided; any other id is missing. */
export function answers(found: Record<string, number[]>, undecided: Record<string, number[]> = {}): Resolved {
  const fields = new Set([...Object.keys(found), ...Object.keys(undecided)]);
  return new Map(
    [...fields].map((field) => {
      const held = new Set(found[field]);
      return [field, { found: (id: number) => held.has(id), undecided: new Set(undecided[field]) }];
    }),
  );
}

/** A store on a fresh SQLite file in a temporary folder, for tests; `cleanup` closes it and removes the folder. */
export function openTempStore(
  { spec, migrationsFolder }: NodeApp,
  durability: Durability = 'full',
): { store: NodeStore; file: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), `dbsim-${spec.node}-`));
  const file = join(dir, `${spec.node}.db`);
  const opened = {
    store: new NodeStore(spec, file, { durability, migrationsFolder, holder: 'a test' }),
    file,
    cleanup() {
      opened.store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return opened;
}

/**
 * For a test file: a store on a fresh file before each test, closed and
 * removed after it. `reopen` closes it and opens the same file again, as a
 * restarted node would.
 */
export function useTempStore(app: NodeApp): { readonly store: NodeStore; readonly file: string; reopen(): void } {
  let current: ReturnType<typeof openTempStore> | undefined;
  beforeEach(() => {
    current = openTempStore(app);
  });
  afterEach(() => current?.cleanup());
  const now = () => {
    if (current === undefined) throw new Error('useTempStore: only inside a test');
    return current;
  };
  return {
    get store() {
      return now().store;
    },
    get file() {
      return now().file;
    },
    reopen() {
      const { store, file } = now();
      store.close();
      now().store = new NodeStore(app.spec, file, { durability: 'full', migrationsFolder: app.migrationsFolder, holder: 'a test' });
    },
  };
}

/** The rows a query gives, as objects: through the store, which holds its file for itself. */
export function select(store: NodeStore, sql: string): Record<string, unknown>[] {
  const { columns, rows } = store.reads.query(sql, 100_000);
  return rows.map((row) => Object.fromEntries(columns.map((column, i) => [column, row[i]])));
}

/** Applies rows as the next batch of producer 1 and gives each row's reasons, [] for a row accepted. */
export function reasonsPerRow(store: NodeStore, rows: unknown[], resolved?: Resolved): Reason[][] {
  const { offset } = store.ledger.state(1);
  const result = store.apply({ producer: 1, offset, rows }, resolved);
  if (result.kind !== 'applied') throw new Error(`expected applied, got ${result.kind}`);
  const byPosition = new Map(result.rejections.map((r) => [r.position - offset, r.reasons]));
  return rows.map((_, i) => byPosition.get(i) ?? []);
}

export interface StandaloneNode {
  child: ChildProcess;
  /** Its first log line, "node started". */
  started: EventLine<'node started'>;
  /** What it has written to stdout and stderr so far. */
  output(): string;
  /** Ctrl-C, then waits for it to exit; resolves with its exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts a node app on its own, as `pnpm node:<name>` does (`main` is its
 * built entry point, `import.meta.resolve('@dbsim/users-node/main')`), and
 * resolves once it has logged "node started"; rejects if it exits first.
 * `wrapper` runs it inside another command, such as `ip netns exec NS`.
 */
export function startStandalone(main: string, args: string[], wrapper: string[] = []): Promise<StandaloneNode> {
  const [command, ...rest] = [...wrapper, process.execPath, fileURLToPath(main), ...args] as [string, ...string[]];
  const child = spawn(command, rest, { env: { ...process.env, LOG_LEVEL: 'info' } });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const collect = (chunk: Buffer) => {
      output += chunk;
      const started = output
        .split('\n')
        .map((text) => readEvent(readLine(text), 'node started'))
        .find((line) => line !== undefined);
      if (started !== undefined) {
        resolve({
          child,
          started,
          output: () => output,
          stop: () => {
            child.kill('SIGINT');
            return exited;
          },
        });
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    void exited.then((code) => reject(new Error(`node exited with code ${code} before starting: ${output.trim()}`)));
  });
}

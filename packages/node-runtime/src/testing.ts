import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NodeStore, type Resolved } from './store.js';
import type { TableSpec } from './table-spec.js';

/** Owners' answers: per reference field the ids found and, optionally, those not yet decided; any other id is missing. */
export function answers(found: Record<string, number[]>, undecided: Record<string, number[]> = {}): Resolved {
  const fields = new Set([...Object.keys(found), ...Object.keys(undecided)]);
  return new Map([...fields].map((field) => [field, { found: new Set(found[field]), undecided: new Set(undecided[field]) }]));
}

/** A store on a fresh SQLite file in a temporary folder, for tests; `cleanup` closes it and removes the folder. */
export function openTempStore(spec: TableSpec, migrationsFolder: string): { store: NodeStore; file: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), `dbsim-${spec.node}-`));
  const file = join(dir, `${spec.node}.db`);
  const store = new NodeStore(spec, file, migrationsFolder);
  return {
    store,
    file,
    cleanup() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface StandaloneNode {
  child: ChildProcess;
  /** Its first log line, "node started". */
  started: Record<string, unknown>;
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
      const line = output.split('\n').find((l) => l.includes('"msg":"node started"'));
      if (line !== undefined) {
        resolve({
          child,
          started: JSON.parse(line),
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

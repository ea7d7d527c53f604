import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeStore } from './store.js';
import type { TableSpec } from './table-spec.js';

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

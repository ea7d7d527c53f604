import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '@dbsim/cli';
import type { DataSpec } from '@dbsim/datasets';

/** DIR/run.json: which run the databases in DIR are at, and its data, so that --resume can continue it. */
export interface RunFile {
  run: number;
  data: DataSpec;
}

export const runFilePath = (dir: string) => join(dir, 'run.json');

export function writeRunFile(dir: string, content: RunFile): void {
  writeFileSync(runFilePath(dir), `${JSON.stringify(content, null, 2)}\n`);
}

export function readRunFile(dir: string): RunFile {
  try {
    return JSON.parse(readFileSync(runFilePath(dir), 'utf8')) as RunFile;
  } catch {
    throw new UsageError(`there is no run to resume in ${dir} (no readable run.json)`);
  }
}

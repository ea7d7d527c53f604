import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '@dbsim/cli';
import { type DataSpec, describeDataSet } from '@dbsim/datasets';

/** DIR/run.json: which run the databases in DIR are at, and its data, so that --resume can continue it. */
export interface RunFile {
  run: number;
  data: DataSpec;
}

export const RUN_FILE = 'run.json';

export function writeRunFile(dir: string, content: RunFile): void {
  writeFileSync(join(dir, RUN_FILE), `${JSON.stringify(content, null, 2)}\n`);
}

/** The run recorded in DIR, if any. */
export function readRunFile(dir: string): RunFile | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, RUN_FILE), 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as RunFile;
  } catch (error) {
    throw new UsageError(`${join(dir, RUN_FILE)} is not JSON: start a fresh run in this folder, or another`, { cause: error });
  }
}

/**
 * The data set a resumed run goes on with: the run's own. One given on the
 * command line must be the same, or the run would end spliced from two.
 */
export function resumedData(dir: string, recorded: RunFile | undefined, given: DataSpec | undefined): DataSpec {
  if (recorded === undefined) throw new UsageError(`there is no run to resume in ${dir} (no run.json)`);
  if (given === undefined || JSON.stringify(given) === JSON.stringify(recorded.data)) return recorded.data;
  throw new UsageError(
    `--resume goes on with run ${recorded.run}'s own data set, ${describeDataSet(recorded.data)}, not ${describeDataSet(given)}: leave the data options out`,
  );
}

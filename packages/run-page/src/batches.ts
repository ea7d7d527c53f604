import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readRejectionKeyOf } from '@dbsim/logger';
import { processName } from '@dbsim/protocol';
import type { Rejected } from './explain.js';
import { eachLine } from './file-lines.js';

/**
 * The rejected rows with the batch that decided each, read from the run's
 * log (DIR/simulate.log, a line per rejected row). Which batch decides a
 * row depends on timing (a restart cuts the stream into other batches), so
 * report.json, the same on every run of a data set, does not hold it.
 */
export async function withBatches(dir: string, run: number, rejections: Rejected[]): Promise<Rejected[]> {
  const file = join(dir, 'simulate.log');
  if (rejections.length === 0 || !existsSync(file)) return rejections;
  // By the node that logs them, then by position: a line of the log is looked up without a string made for it.
  const wanted = new Map<string, Map<number, Rejected>>();
  for (const rejected of rejections) {
    const name = processName(rejected.table);
    wanted.set(name, (wanted.get(name) ?? new Map()).set(rejected.position, rejected));
  }
  const count = [...wanted.values()].reduce((sum, positions) => sum + positions.size, 0);
  const found = new Map<Rejected, number>();
  await eachLine(file, (line) => {
    const key = readRejectionKeyOf(line);
    const rejected = key?.run === run ? wanted.get(key.name)?.get(key.position) : undefined;
    if (key && rejected) found.set(rejected, key.batch);
    // The log holds a line per rejected row, and the rows wanted (a page's first ones) mostly come early in it.
    return found.size < count;
  });
  return rejections.map((rejected) => {
    const batch = found.get(rejected);
    return batch === undefined ? rejected : { ...rejected, batch };
  });
}

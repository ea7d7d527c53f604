import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { readRejectionKey } from '@dbsim/logger';
import type { Rejected } from './explain.js';

/**
 * The rejected rows with the batch that decided each, read from the run's
 * log (DIR/simulate.log, a line per rejected row). Which batch decides a
 * row depends on timing (a restart cuts the stream into other batches), so
 * report.json, the same on every run of a data set, does not hold it.
 */
export async function withBatches(dir: string, run: number, rejections: Rejected[]): Promise<Rejected[]> {
  const file = join(dir, 'simulate.log');
  if (rejections.length === 0 || !existsSync(file)) return rejections;
  const wanted = new Map(rejections.map((rejected) => [`${rejected.table}-node#${rejected.position}`, rejected]));
  const found = new Map<Rejected, number>();
  const input = createReadStream(file);
  try {
    for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
      const key = readRejectionKey(line);
      const rejected = key?.run === run ? wanted.get(`${key.name}#${key.position}`) : undefined;
      if (key && rejected) found.set(rejected, key.batch);
      // The log holds a line per rejected row, and the rows wanted (a page's first ones) come early in it.
      if (found.size === wanted.size) break;
    }
  } finally {
    input.destroy();
  }
  return rejections.map((rejected) => {
    const batch = found.get(rejected);
    return batch === undefined ? rejected : { ...rejected, batch };
  });
}

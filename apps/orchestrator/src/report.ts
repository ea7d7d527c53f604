import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import { fsProblem } from '@dbsim/cli';
import { NODES, type NodeName, type Payload, payload, type ReplyTo } from '@dbsim/protocol';
import { REPORT_SEPARATOR, reportEnd, reportHead, reportLine } from '@dbsim/run-page';
import type { Supervisor } from './supervisor.js';

export type TableStats = Payload<ReplyTo<'stats'>>;
export type RunStats = Record<NodeName, TableStats>;
export type Digests = Record<NodeName, Payload<ReplyTo<'digest'>>>;

/**
 * Rejections fetched per request, however many there are: the report's
 * memory does not grow with them. A page of rows of a usual size stays
 * under V8's large-object size (128 kB), as a string and as the lines cut
 * from it: a large object that outlives a young collection waits for a
 * full one, and pages of a thousand rows left some 20 MB of them by the end
 * of a run four times the default size.
 */
const PAGE_ROWS = 200;

/**
 * Writes DIR/report.json from what the nodes committed: per table counts,
 * then every rejected row in table and stream order, one per line. Pages
 * are fetched and written one at a time, so the report of a run with
 * millions of rejections needs no more memory than one of ten. Nothing
 * timing-dependent goes in: the same data set gives the same file.
 */
export async function writeReport(file: string, nodes: Record<NodeName, Supervisor>, run: number): Promise<RunStats> {
  try {
    return await write(file, nodes, run);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === undefined) throw error;
    throw new Error(`cannot write ${file}: ${fsProblem(error)}`, { cause: error });
  }
}

async function write(file: string, nodes: Record<NodeName, Supervisor>, run: number): Promise<RunStats> {
  const stats = {} as RunStats;
  for (const table of NODES) {
    stats[table] = payload(await nodes[table].ask({ type: 'stats', producer: run }));
  }
  const partial = `${file}.partial`;
  const fd = openSync(partial, 'w');
  try {
    writeSync(fd, reportHead(run, stats));
    let first = true;
    for (const table of NODES) {
      // Pages are bounded by size as well as count, so only an empty one says there are no more.
      for (let after = -1, more = true; more; ) {
        const { rejections } = await nodes[table].ask({ type: 'rejections', producer: run, after, limit: PAGE_ROWS });
        const lines = rejections.map((rejection) => reportLine(table, rejection));
        if (lines.length > 0) writeSync(fd, `${first ? '\n    ' : REPORT_SEPARATOR}${lines.join(REPORT_SEPARATOR)}`);
        first &&= lines.length === 0;
        more = rejections.length > 0;
        after = rejections.at(-1)?.position ?? after;
      }
    }
    writeSync(fd, reportEnd(!first));
  } finally {
    closeSync(fd);
  }
  renameSync(partial, file);
  return stats;
}

/** Each node's fingerprint of its whole database. */
export async function digests(nodes: Record<NodeName, Supervisor>): Promise<Digests> {
  const result = {} as Digests;
  for (const node of NODES) {
    result[node] = payload(await nodes[node].ask({ type: 'digest' }));
  }
  return result;
}

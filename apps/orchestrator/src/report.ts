import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import { NODES, type NodeName, type ReplyTo } from '@dbsim/protocol';
import type { Cluster } from './cluster.js';

type Fields<T> = Omit<T, 'type' | 'in_reply_to'>;
export type TableStats = Fields<ReplyTo<'stats'>>;
export type RunStats = Record<NodeName, TableStats>;
export type Digests = Record<NodeName, Fields<ReplyTo<'digest'>>>;

const PAGE = 1000;

/**
 * Writes DIR/report.json from what the nodes committed: per table counts,
 * then every rejected row in table and stream order, one per line. Pages
 * are fetched and written one at a time, so the report of a run with
 * millions of rejections needs no more memory than one of ten. Nothing
 * timing-dependent goes in: the same data set gives the same file.
 */
export async function writeReport(file: string, cluster: Cluster, run: number): Promise<RunStats> {
  const stats = {} as RunStats;
  for (const table of NODES) {
    const { type: _, in_reply_to: __, ...counts } = await cluster.nodes[table].request({ type: 'stats', producer: run });
    stats[table] = counts;
  }
  const partial = `${file}.partial`;
  const fd = openSync(partial, 'w');
  try {
    const tables = JSON.stringify(stats, null, 2).replaceAll('\n', '\n  ');
    writeSync(fd, `{\n  "run": ${run},\n  "tables": ${tables},\n  "rejections": [`);
    let first = true;
    for (const table of NODES) {
      for (let after = -1; ; ) {
        const { rejections } = await cluster.nodes[table].request({ type: 'rejections', producer: run, after, limit: PAGE });
        const lines = rejections.map(({ position, id, reasons, row }) => JSON.stringify({ table, id, position, reasons, row }));
        if (lines.length > 0) writeSync(fd, `${first ? '' : ','}\n    ${lines.join(',\n    ')}`);
        first &&= lines.length === 0;
        if (rejections.length < PAGE) break;
        after = rejections[rejections.length - 1]?.position ?? after;
      }
    }
    writeSync(fd, `${first ? '' : '\n  '}]\n}\n`);
  } finally {
    closeSync(fd);
  }
  renameSync(partial, file);
  return stats;
}

/** Each node's fingerprint of its whole database. */
export async function digests(cluster: Cluster): Promise<Digests> {
  const result = {} as Digests;
  for (const node of NODES) {
    const { type: _, in_reply_to: __, ...digest } = await cluster.nodes[node].request({ type: 'digest' });
    result[node] = digest;
  }
  return result;
}

/** The human summary: one line per table, with the reasons its rows were rejected for. */
export function formatSummary(stats: RunStats, durations: Record<NodeName, number>, restarts: Record<NodeName, number>): string {
  const rows = [
    ['table', 'received', 'inserted', 'rejected', 'time', 'restarts', 'rejected for'],
    ...NODES.map((table) => {
      const { received, inserted, rejected, reasons } = stats[table];
      const why = Object.entries(reasons).map(([reason, n]) => `${reason} ${n}`);
      const time = `${((durations[table] ?? 0) / 1000).toFixed(2)}s`;
      return [table, String(received), String(inserted), String(rejected), time, String(restarts[table]), why.join(', ')];
    }),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => row[i]?.length ?? 0))) ?? [];
  const numeric = (i: number) => i > 0 && i < 6;
  return rows
    .map((cells) =>
      cells
        .map((cell, i) => (numeric(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

import { NODES, type NodeName } from '@dbsim/protocol';
import type { RunStats } from './report.js';

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

import { NODES, type NodeName } from '@dbsim/protocol';
import type { RunStats } from './report.js';

/** Numbers as people read them: 1,000,000. */
export const count = (n: number) => n.toLocaleString('en-US');

/**
 * The human summary: a table of counts per table, then what its rows were
 * rejected for, wrapped to `width` columns so that no line runs past the
 * terminal however many reasons there are.
 */
export function formatSummary(
  stats: RunStats,
  durations: Record<NodeName, number>,
  restarts: Record<NodeName, number>,
  width = 100,
): string {
  const rows = [
    ['table', 'received', 'inserted', 'rejected', 'time', 'restarts'],
    ...NODES.map((table) => {
      const { received, inserted, rejected } = stats[table];
      return [
        table,
        count(received),
        count(inserted),
        count(rejected),
        `${(durations[table] / 1000).toFixed(2)} s`,
        count(restarts[table]),
      ];
    }),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => row[i]?.length ?? 0))) ?? [];
  const table = rows.map((cells) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  '),
  );
  const rejected = NODES.filter((node) => stats[node].rejected > 0);
  if (rejected.length === 0) return table.join('\n');
  const indent = ' '.repeat(Math.max(...NODES.map((node) => node.length)) + 4);
  const reasons = rejected.flatMap((node) => {
    const items = Object.entries(stats[node].reasons).map(([reason, n]) => `${reason} ${count(n ?? 0)}`);
    return wrap(items, width - indent.length).map((line, i) =>
      i === 0 ? `  ${node.padEnd(indent.length - 2)}${line}` : `${indent}${line}`,
    );
  });
  return [...table, 'rejected for', ...reasons].join('\n');
}

/** Items joined with ", " into lines of at most `width` characters (an item longer than that gets a line of its own). */
function wrap(items: string[], width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const item of items) {
    const next = line === '' ? item : `${line}, ${item}`;
    // One column kept for the comma that ends a line followed by another.
    if (next.length + 1 > width && line !== '') {
      lines.push(`${line},`);
      line = item;
    } else line = next;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** A line of words wrapped to `width` columns, its indentation kept and its later lines indented `indent` more. */
export function fit(text: string, width: number, indent = 2): string {
  const lead = text.length - text.trimStart().length;
  const lines: string[] = [];
  let line = text.slice(0, lead);
  for (const word of text.slice(lead).split(' ')) {
    const next = line.trim() === '' ? `${line}${word}` : `${line} ${word}`;
    if (next.length > width && line.trim() !== '') {
      lines.push(line);
      line = `${' '.repeat(lead + indent)}${word}`;
    } else line = next;
  }
  lines.push(line);
  return lines.join('\n');
}

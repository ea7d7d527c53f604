import { existsSync, readFileSync } from 'node:fs';
import { HistoryLine } from './lines.js';

/** A history's lines, in order; none if there is no file. A line a crash cut short, or not of the contract, is left out. */
export function readHistory(file: string): HistoryLine[] {
  if (!existsSync(file)) return [];
  const lines: HistoryLine[] = [];
  for (const text of readFileSync(file, 'utf8').split('\n')) {
    if (text === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      continue;
    }
    const line = HistoryLine.safeParse(raw);
    if (line.success) lines.push(line.data);
  }
  return lines;
}

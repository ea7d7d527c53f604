import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { NODES, type NodeName, type Reason } from '@dbsim/protocol';
import type { Rejected } from './explain.js';

export interface TableOutcome {
  received: number;
  inserted: number;
  rejected: number;
  reasons: Partial<Record<Reason, number>>;
}

/** What DIR/report.json says: the run, each table's counts, and its rejected rows, or the first `perTable` of each. */
export interface ReportRead {
  run: number;
  tables: Record<NodeName, TableOutcome>;
  rejections: Rejected[];
}

/**
 * Reads a report as the orchestrator writes it: its head (run and tables),
 * then one rejected row per line. Read a line at a time, so a report of any
 * size costs only the rows kept; and each row is kept as the JSON text it
 * was written in (numbers as written), which is its last field.
 */
export async function readReport(file: string, perTable = Number.POSITIVE_INFINITY): Promise<ReportRead | undefined> {
  if (!existsSync(file)) return undefined;
  let head = '';
  let inRejections = false;
  const rejections: Rejected[] = [];
  const kept = Object.fromEntries(NODES.map((node) => [node, 0])) as Record<NodeName, number>;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY })) {
    if (!inRejections) {
      if (line.trim().startsWith('"rejections": [')) inRejections = true;
      else head += line;
      continue;
    }
    const text = line.trim().replace(/,$/, '');
    const at = text.indexOf(',"row":');
    if (!text.startsWith('{') || at < 0) continue;
    const fields = JSON.parse(`${text.slice(0, at)}}`) as Omit<Rejected, 'row'>;
    if (kept[fields.table] >= perTable) continue;
    kept[fields.table]++;
    rejections.push({ ...fields, row: text.slice(at + ',"row":'.length, -1) });
  }
  const { run, tables } = JSON.parse(`${head.replace(/,\s*$/, '')}}`) as Omit<ReportRead, 'rejections'>;
  return { run, tables, rejections };
}

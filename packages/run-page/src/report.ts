import { existsSync } from 'node:fs';
import { NODES, type NodeName, type Reason, type RejectionRecord } from '@dbsim/protocol';
import type { Rejected } from './explain.js';
import { eachLine } from './file-lines.js';

/** Where a run's report is, in its folder. */
export const REPORT_FILE = 'report.json';

export interface TableOutcome {
  received: number;
  inserted: number;
  rejected: number;
  reasons: Partial<Record<Reason, number>>;
}

/** What DIR/report.json says: the run, each table's counts, and the rejected rows a reader kept. */
export interface ReportRead {
  run: number;
  tables: Record<NodeName, TableOutcome>;
  rejections: Rejected[];
}

const ROW = ',"row":';
/** A rejected row's table, the first field of its line. */
const TABLE = /^\s*\{"table":"(\w+)"/;
/** A line's first bytes, which hold its table (a line is written indented by 4). */
const TABLE_BYTES = 64;

/** The fields of a rejected row's line, in the order written: the row, which may be of any size, comes last. */
const headOf = (table: NodeName, { id, position, reasons, takenBy }: Omit<RejectionRecord, 'row'>) =>
  JSON.stringify({ table, id, position, reasons, takenBy }).slice(0, -1);

/** report.json's head: the run and each table's counts, then its list of rejected rows opens, a line each. */
export function reportHead(run: number, tables: Record<NodeName, TableOutcome>): string {
  return `{\n  "run": ${run},\n  "tables": ${JSON.stringify(tables, null, 2).replaceAll('\n', '\n  ')},\n  "rejections": [`;
}

/** What goes between the head and the first row, and between rows; and what closes the report. */
export const REPORT_SEPARATOR = ',\n    ';
export const reportEnd = (rows: boolean): string => `${rows ? '\n  ' : ''}]\n}\n`;

/**
 * A rejected row's line of report.json. The row goes in as the JSON text it
 * was recorded in: numbers as written, even those JSON.parse cannot hold.
 */
export function reportLine(table: NodeName, rejection: RejectionRecord): string {
  return `${headOf(table, rejection)}${ROW}${rejection.row}}`;
}

export interface ReadOptions {
  /** Which rejected rows to keep, by their fields: every one unless told. */
  keep?: (rejected: Omit<Rejected, 'row'>) => boolean;
  /** At most this many of each table. */
  perTable?: number;
  /** A kept row's text cut to this many characters, copied, so that the line it came in is let go. */
  rowChars?: number;
}

/**
 * Reads a report as written: its head (run and tables), then a rejected row
 * a line, a line at a time, so that a report of any size costs only the
 * rows kept. Each row is kept as the text it was written in (numbers as
 * written): where it starts, the line's other fields, written again, say.
 */
export async function readReport(file: string, options: ReadOptions = {}): Promise<ReportRead | undefined> {
  if (!existsSync(file)) return undefined;
  const { keep, perTable = Number.POSITIVE_INFINITY, rowChars } = options;
  let head = '';
  let read: Omit<ReportRead, 'rejections'> | undefined;
  const rejections: Rejected[] = [];
  const kept: Partial<Record<NodeName, number>> = {};
  // A table's share: what it rejected, if fewer. Once every table has its own, the rest of a report is not read.
  const share = (table: NodeName) => (keep ? perTable : Math.min(perTable, read?.tables[table]?.rejected ?? 0));
  const complete = () => NODES.every((table) => (kept[table] ?? 0) >= share(table));
  let number = 0;
  await eachLine(file, (bytes) => {
    number++;
    if (read === undefined) {
      const line = bytes.toString();
      if (!line.trim().startsWith('"rejections": [')) {
        head += line;
        return;
      }
      read = readHead(head);
      return !complete();
    }
    // Past its table's share a line is passed over undecoded: a report has a line per rejected row, of any size.
    const lineTable = TABLE.exec(bytes.toString('latin1', 0, TABLE_BYTES))?.[1] as NodeName | undefined;
    if (lineTable !== undefined && (kept[lineTable] ?? 0) >= perTable) return;
    const text = bytes.toString().trim().replace(/,$/, '');
    if (!text.startsWith('{')) return;
    const { table, id, position, reasons, takenBy } = JSON.parse(text) as Rejected;
    const fields = { table, id, position, reasons, ...(takenBy === undefined ? {} : { takenBy }) };
    if ((kept[table] ?? 0) >= perTable || (keep && !keep(fields))) return;
    const before = `${headOf(table, fields)}${ROW}`;
    if (!text.startsWith(before)) throw new Error(`${file}, line ${number}: not a rejected row as simulate writes it`);
    const row = text.slice(before.length, -1);
    kept[table] = (kept[table] ?? 0) + 1;
    rejections.push({ ...fields, row: rowChars !== undefined && row.length > rowChars ? copy(`${row.slice(0, rowChars)}…`) : row });
    return !complete();
  });
  const { run, tables } = read ?? readHead(head);
  return { run, tables, rejections };
}

/** The report's head, read up to its list of rejected rows: the run and each table's counts. */
const readHead = (head: string): Omit<ReportRead, 'rejections'> => JSON.parse(`${head.replace(/,\s*$/, '')}}`);

/** A string of its own: a slice would keep the whole line it was cut from alive. */
const copy = (text: string): string => Buffer.from(text).toString();

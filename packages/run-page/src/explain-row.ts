import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '@dbsim/cli';
import { type DataSpec, openDataSet, RowText } from '@dbsim/datasets';
import type { NodeName } from '@dbsim/protocol';
import { withBatches } from './batches.js';
import { explainRejected, explainRejections, idText, idTexts, RejectionIndex, type Shapes, singular } from './explain.js';
import { REPORT_FILE, type ReportRead, readReport } from './report.js';
import { tableShapes } from './shapes.js';

/**
 * What became of the rows of `table` with this id in the run in `dir`, in
 * words, from the folder alone (no node need run): rejected, with every
 * reason and its cause across nodes (report.json); or else inserted, or
 * never in the data set (the run's data, read again as run.json names it).
 */
export async function explainRow(dir: string, table: NodeName, id: string): Promise<string[]> {
  const data = runData(dir);
  const shapes = await tableShapes();
  const report = await causes(join(dir, REPORT_FILE), shapes, table, id);
  if (report) {
    const index = new RejectionIndex(await withBatches(dir, report.run, report.rejections));
    const lines = explainRejections(index, shapes, table, id);
    if (lines.length > 0) return lines;
  }
  const positions = await positionsOf(data, table, id);
  const what = `${singular[table]} ${id}`;
  if (positions.length === 0) return [`${what} was never seen: no row of the ${table} stream has that id`];
  // A row rejected before its id could be read (too large to send) is found by its place in the stream.
  const unread = await readReport(join(dir, REPORT_FILE), { keep: (r) => r.table === table && positions.includes(r.position) });
  if (unread !== undefined && unread.rejections.length > 0) {
    const rows = await withBatches(dir, unread.run, unread.rejections);
    return explainRejected(new RejectionIndex(rows), shapes, rows);
  }
  const rows = positions.map((at) => `row ${at + 1}`).join(', ');
  if (report === undefined)
    return [`${what} is ${rows} of the ${table} stream; the run in ${dir} has not finished (no report.json), so it is not decided yet`];
  return [`${what} (${rows} of the ${table} stream) was inserted: no row with that id was rejected`];
}

/**
 * The report, keeping only the rejected rows an explanation needs: the
 * row's own, and the owners' rows its references name, as far back as they
 * go. A pass over the report a step: a report of any size costs no more.
 */
async function causes(file: string, shapes: Shapes, table: NodeName, id: string): Promise<ReportRead | undefined> {
  const wanted = new Set(idTexts(id).map((text) => `${table}#${text}`));
  for (;;) {
    const report = await readReport(file, { keep: (rejected) => wanted.has(`${rejected.table}#${idText(rejected.id)}`) });
    const named = (report?.rejections ?? []).flatMap((rejected) =>
      shapes[rejected.table].references
        .filter((reference) => rejected.reasons.includes(reference.reason))
        .map((reference) => `${reference.owner}#${idText(field(parseRow(rejected.row), reference.field))}`),
    );
    if (report === undefined || named.every((key) => wanted.has(key))) return report;
    for (const key of named) wanted.add(key);
  }
}

function runData(dir: string): DataSpec {
  let text: string;
  try {
    text = readFileSync(join(dir, 'run.json'), 'utf8');
  } catch {
    throw new UsageError(`there is no run in ${dir} (no run.json)`);
  }
  return (JSON.parse(text) as { data: DataSpec }).data;
}

/** Where rows with this id are in the table's stream: read again from the start, a row at a time. */
async function positionsOf(data: DataSpec, table: NodeName, id: string): Promise<number[]> {
  const source = await openDataSet(data, () => {});
  const positions: number[] = [];
  let position = 0;
  for await (const row of source[table].rows()) {
    const value = row instanceof RowText ? parseRow(row.text) : row;
    const rowId = typeof value === 'object' && value !== null ? (value as { id?: unknown }).id : undefined;
    if (rowId !== undefined && idTexts(id).includes(idText(rowId))) positions.push(position);
    position++;
  }
  return positions;
}

function field(row: unknown, name: string): unknown {
  return typeof row === 'object' && row !== null ? (row as Record<string, unknown>)[name] : undefined;
}

function parseRow(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

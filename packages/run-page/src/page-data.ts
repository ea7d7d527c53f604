import { join } from 'node:path';
import { HISTORY_FILE, type HistoryLine, readHistory } from '@dbsim/history';
import type { NodeName } from '@dbsim/protocol';
import { withBatches } from './batches.js';
import type { Rejected, Shapes } from './explain.js';
import { REPORT_FILE, type ReportRead, readReport } from './report.js';
import { tableShapes } from './shapes.js';

/** The page covers every table's first rejected rows up to this many; `dbsim view` and `dbsim explain` cover them all. */
export const PAGE_REJECTIONS_PER_TABLE = 5000;
/** A rejected row longer than this is shown cut, in the page only: a run's rows may be of any size. */
export const PAGE_ROW_CHARS = 2000;

/** Everything the page shows, as it travels into run.html or from `dbsim view`. */
export interface RunPageData {
  dir: string;
  /** From `dbsim view` or `simulate --ui`: the server answers the explorer in full, and says when the run moves on. */
  served: boolean;
  /** The history of the folder's run, from its start (a resumed run's resumes included). */
  history: HistoryLine[];
  /** report.json's counts, once the run has written it. */
  tables: ReportRead['tables'] | undefined;
  rejections: Rejected[];
  /** How many rows were rejected in all, per table, of which `rejections` holds the first. */
  rejected: Record<NodeName, number>;
  shapes: Shapes;
}

export async function loadPageData(dir: string, served: boolean): Promise<RunPageData> {
  // One after the other, so that their peaks do not add up: compiling the nodes' code, and reading the report.
  const shapes = await tableShapes();
  const report = await readReport(join(dir, REPORT_FILE), { perTable: PAGE_REJECTIONS_PER_TABLE, rowChars: PAGE_ROW_CHARS });
  const rejections = report ? await withBatches(dir, report.run, report.rejections) : [];
  const rejected = { users: 0, products: 0, orders: 0 };
  for (const [table, outcome] of Object.entries(report?.tables ?? {})) rejected[table as NodeName] = outcome.rejected;
  return { dir, served, history: lastRun(readHistory(join(dir, HISTORY_FILE))), tables: report?.tables, rejections, rejected, shapes };
}

/** The lines of the folder's last run: from its fresh start on (the messages of its setup first), through its resumes. */
function lastRun(history: HistoryLine[]): HistoryLine[] {
  const start = history.findLastIndex((line) => line.k === 'run' && !line.resumed);
  const before = history.slice(0, Math.max(start, 0)).findLastIndex((line) => line.k === 'end');
  return history.slice(before + 1);
}

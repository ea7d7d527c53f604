import type { HistoryLine, LineOf } from '@dbsim/history';
import * as Plot from '@observablehq/plot';
import type { RunPageData } from '../page-data.js';
import { count, fill, h } from './dom.js';

/** Each table's rows received, inserted and rejected, and the reasons as a chart; before the report, what the nodes committed. */
export function drawOutcome({ tables, history }: RunPageData): void {
  if (tables === undefined) {
    const last = new Map<string, LineOf<'tick'>>();
    for (const line of history) if (line.k === 'tick') last.set(line.node, line);
    const rows = [...last.values()].map((tick) => h('tr', {}, h('td', {}, tick.node), h('td', {}, count(tick.committed))));
    fill(
      'outcome',
      h('p', { class: 'note' }, `No report yet: the run ${ended(history)}. Rows each node has committed so far:`),
      h('table', {}, h('tr', {}, h('th', {}, 'table'), h('th', {}, 'committed')), ...rows),
    );
    return;
  }
  const entries = Object.entries(tables);
  const head = h('tr', {}, ...['table', 'received', 'inserted', 'rejected'].map((name) => h('th', {}, name)));
  const rows = entries.map(([table, t]) =>
    h('tr', {}, h('td', {}, table), h('td', {}, count(t.received)), h('td', {}, count(t.inserted)), h('td', {}, count(t.rejected))),
  );
  const reasons = entries.flatMap(([table, t]) => Object.entries(t.reasons).map(([reason, n]) => ({ table, reason, n: n as number })));
  const chart =
    reasons.length === 0
      ? h('p', { class: 'note' }, 'No row was rejected.')
      : Plot.plot({
          title: 'rejected rows by reason (a row may have several)',
          width: 900,
          height: 60 + 26 * new Set(reasons.map((r) => r.reason)).size,
          marginLeft: 170,
          x: { grid: true, label: 'rows', tickFormat: 'd', ticks: Math.min(10, Math.max(...reasons.map((r) => r.n))) },
          y: { label: null },
          color: { legend: true, domain: entries.map(([table]) => table) },
          marks: [
            Plot.barX(reasons, { x: 'n', y: 'reason', fill: 'table', sort: { y: '-x' }, tip: true, ariaDescription: 'reasons' }),
            Plot.ruleX([0]),
          ],
        });
  fill('outcome', h('table', {}, head, ...rows), chart);
}

function ended(history: readonly HistoryLine[]): string {
  const end = history.findLast((line): line is LineOf<'end'> => line.k === 'end');
  if (end === undefined) return 'is still going, or stopped without a word';
  return end.how === 'failed' ? `failed: ${end.problem ?? ''}` : `was ${end.how}`;
}

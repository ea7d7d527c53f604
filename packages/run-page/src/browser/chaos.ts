import type { LineOf } from '@dbsim/history';
import type { RunPageData } from '../page-data.js';
import { count, fill, h } from './dom.js';

/** A run under --chaos: what was injected, and whether the outcome matched an undisturbed run of the same data. */
export function drawChaos({ history }: RunPageData): void {
  const section = document.getElementById('chaos') as HTMLElement;
  const run = history.find((line): line is LineOf<'run'> => line.k === 'run');
  section.hidden = run?.settings.chaos === undefined;
  if (section.hidden || run === undefined) return;
  const chaos = history.findLast((line): line is LineOf<'chaos'> => line.k === 'chaos');
  const faults = history.filter((line): line is LineOf<'fault'> => line.k === 'fault');
  const parts: (Node | string)[] = [h('p', {}, `--chaos ${run.settings.chaos}`)];
  if (chaos === undefined) {
    parts.push(
      h(
        'p',
        { class: 'note' },
        `${count(faults.length)} process faults recorded; the run was not compared with an undisturbed one (the comparison did not finish).`,
      ),
    );
  } else {
    const kinds = [...new Set(Object.values(chaos.injected).flatMap((kinds) => Object.keys(kinds)))];
    const head = h('tr', {}, h('th', {}, 'node'), ...kinds.map((kind) => h('th', {}, kind)));
    const rows = Object.entries(chaos.injected).map(([node, n]) =>
      h('tr', {}, h('td', {}, `${node}-node`), ...kinds.map((kind) => h('td', {}, count(n[kind] ?? 0)))),
    );
    parts.push(h('table', {}, head, ...rows));
    parts.push(
      chaos.differs.length === 0
        ? h('p', {}, 'The outcome matches an undisturbed run of the same data: databases, report.json and rejection log identical.')
        : h('p', { class: 'bad' }, `The outcome DIFFERS from an undisturbed run: ${chaos.differs.join(', ')}.`),
    );
  }
  fill('chaos', ...parts);
}

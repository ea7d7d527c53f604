import type { NodeName } from '@dbsim/protocol';
import { explainRejections, idText, RejectionIndex } from '../explain.js';
import type { RunPageData } from '../page-data.js';
import { count, fill, h } from './dom.js';

/** Rejected ids offered to click, per table. */
const EXAMPLES = 12;

/**
 * Search a rejected row by table and id: its reasons, its batch, its row,
 * and the cause across nodes. From the rows the page holds; served, from
 * every rejected row of the run. Drawn again as a served run moves on, it
 * keeps what was asked and answered.
 */
export function drawExplorer(data: () => RunPageData): void {
  const before = {
    table: document.querySelector<HTMLSelectElement>('#explorer select[name=table]')?.value,
    id: document.querySelector<HTMLInputElement>('#explorer input[name=id]')?.value ?? '',
    answer: document.getElementById('answer')?.textContent ?? 'Pick a table and an id.',
  };
  const tables = Object.keys(data().shapes) as NodeName[];
  const table = h('select', { name: 'table', 'aria-label': 'table' }, ...tables.map((node) => h('option', { value: node }, node)));
  if (before.table) table.value = before.table;
  const id = h('input', { name: 'id', 'aria-label': 'id', placeholder: 'id, e.g. 8', size: '12', value: before.id });
  const answer = h('pre', { id: 'answer', 'aria-live': 'polite' }, before.answer);
  const form = h('form', {}, table, id, h('button', { type: 'submit' }, 'Explain'));
  const ask = async () => {
    const lines = await explain(data(), table.value as NodeName, id.value.trim());
    answer.textContent = lines.join('\n');
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void ask();
  });
  const { rejections, rejected } = data();
  const examples = tables.flatMap((node) => {
    const ids = [...new Set(rejections.filter((r) => r.table === node).map((r) => idText(r.id)))].slice(0, EXAMPLES);
    if (ids.length === 0) return [];
    const buttons = ids.map((text) => {
      const button = h('button', { type: 'button' }, text);
      button.addEventListener('click', () => {
        table.value = node;
        id.value = text;
        void ask();
      });
      return button;
    });
    return [h('div', { class: 'examples' }, `${node}: `, ...buttons)];
  });
  const held = rejections.length;
  const total = Object.values(rejected).reduce((a, b) => a + b, 0);
  const coverage =
    data().tables === undefined
      ? 'The run has no report yet: the explorer answers once it has finished (pnpm simulate --resume finishes one interrupted).'
      : data().served
        ? `Served: the answers come from every rejected row of the run, ${count(total)}.`
        : held === total
          ? `This page holds every rejected row of the run: ${count(total)}.`
          : `This page holds ${count(held)} of the run's ${count(total)} rejected rows (the first of each table); pnpm dbsim view serves them all.`;
  fill('explorer', h('p', { class: 'note' }, coverage), form, ...examples, answer);
}

async function explain(data: RunPageData, table: NodeName, id: string): Promise<string[]> {
  if (id === '') return ['Give an id.'];
  if (data.served) {
    const response = await fetch(`/explain?table=${table}&id=${encodeURIComponent(id)}`);
    if (!response.ok) return [await response.text()];
    return ((await response.json()) as { lines: string[] }).lines;
  }
  const held = (t: NodeName) => data.rejections.filter((r) => r.table === t).length;
  const lines = explainRejections(new RejectionIndex(data.rejections), data.shapes, table, id, (t) => held(t) === data.rejected[t]);
  if (lines.length > 0) return lines;
  const covered = held(table);
  const where = `pnpm dbsim explain ${table} ${quoted(id)} --dir ${quoted(data.dir)}`;
  return covered === data.rejected[table]
    ? [`No ${table} row with id ${id} was rejected: it was inserted, or never in the data set (${where} says which).`]
    : [
        `No ${table} row with id ${id} among the ${count(covered)} rejected rows this page holds of ${count(data.rejected[table])}: ${where}`,
      ];
}

/** A word as a shell takes it: quoted unless it is plainly one. */
const quoted = (word: string): string => (/^[\w./@:=+-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`);

import type { LineOf } from '@dbsim/history';
import type { RunPageData } from '../page-data.js';
import { drawChaos } from './chaos.js';
import { runClock, seconds } from './clock.js';
import { count } from './dom.js';
import { drawExplorer } from './explorer.js';
import { drawMessages } from './messages.js';
import { drawOutcome } from './outcome.js';
import { drawTimeline } from './timeline.js';

/** The page: its data inline (run.html) or from `dbsim view`'s server, which says when it changes. */
let data = JSON.parse((document.getElementById('run-data') as HTMLElement).textContent as string) as RunPageData;

function draw(): void {
  drawSummary(data);
  drawTimeline(data.history);
  drawMessages(data.history);
  drawOutcome(data);
  drawExplorer(() => data);
  drawChaos(data);
}

function drawSummary({ dir, history, tables }: RunPageData): void {
  const run = history.find((line): line is LineOf<'run'> => line.k === 'run');
  const end = history.findLast((line): line is LineOf<'end'> => line.k === 'end');
  const resumes = history.filter((line) => line.k === 'run' && line.resumed).length;
  const state = end === undefined || history.at(-1)?.k === 'run' ? 'going' : end.how;
  const rows = run
    ? Object.entries(run.rows)
        .map(([table, n]) => `${table} ${n === null ? '?' : count(n)}`)
        .join(', ')
    : '';
  const took = end ? `, ${seconds(runClock(history)(end.at))}` : '';
  const settings = run
    ? `batches of ${count(run.settings.batchSize)} rows, window ${run.settings.window}, durability ${run.settings.durability}`
    : '';
  const summary = document.getElementById('summary') as HTMLElement;
  // A report and no history: the run was made with --no-history. No history yet: the run is starting.
  if (run === undefined) {
    summary.textContent = `${dir}: ${tables === undefined ? 'the run is starting (going)' : 'the run recorded no history (--no-history)'}`;
    return;
  }
  summary.textContent = [
    `${dir}: run ${run.run} ${state}${took}${resumes > 0 ? ` (resumed ${resumes}×)` : ''}`,
    `${rows}${settings ? `; ${settings}` : ''}`,
  ].join('\n');
}

draw();
if (data.served) {
  // Answers may come back out of order: only the newest asked for is drawn.
  let asked = 0;
  new EventSource('/events').addEventListener('change', async () => {
    const mine = ++asked;
    const fresh = (await (await fetch('/data')).json()) as RunPageData;
    if (mine !== asked) return;
    data = fresh;
    draw();
  });
}

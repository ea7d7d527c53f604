import type { HistoryLine, LineOf } from '@dbsim/history';
import * as Plot from '@observablehq/plot';
import { runClock, seconds } from './clock.js';
import { count, fill, h, PROCESSES } from './dom.js';

type Msg = LineOf<'msg'>;

/** Arrows drawn at once: a longer stretch is paged. */
export const PAGE_MESSAGES = 400;

/**
 * A Lamport diagram of the recorded messages: a lane per process, an arrow
 * per message from its sender's lane when sent to its addressee's when
 * received, time going down; a lost message ends short, dashed. A long
 * stretch is shown a page at a time, each window (the start, around each
 * fault, the end) on pages of its own.
 */
export function drawMessages(history: readonly HistoryLine[]): void {
  const clock = runClock(history);
  const messages = history.filter((line): line is Msg => line.k === 'msg');
  if (messages.length === 0) {
    fill('messages', h('p', { class: 'note' }, 'No messages were recorded.'));
    return;
  }
  const pages = paginate(messages);
  const select = h('select', { 'aria-label': 'page of messages' });
  pages.forEach((page, i) => {
    const first = page[0] as Msg;
    const text = `${first.window} window: messages ${count(page.length)} from ${seconds(clock(first.sent))}`;
    select.append(h('option', { value: String(i) }, text));
  });
  const diagram = h('div');
  const show = () => diagram.replaceChildren(lamport(pages[Number(select.value)] ?? [], clock));
  select.addEventListener('change', show);
  show();
  const windows = new Set(messages.map((m) => m.window));
  const all = windows.size === 1 && windows.has('start');
  const note = all
    ? `Every message of the run: ${count(messages.length)}.`
    : `The run had too many messages to keep each: these ${count(messages.length)} are those of its start, around each fault and of its end.`;
  fill('messages', h('p', { class: 'note' }, note), ...(pages.length > 1 ? [h('form', {}, 'Show ', select)] : []), diagram);
}

function paginate(messages: Msg[]): Msg[][] {
  const pages: Msg[][] = [];
  let page: Msg[] = [];
  for (const message of messages) {
    if (page.length === PAGE_MESSAGES || (page.length > 0 && (page[0] as Msg).window !== message.window)) {
      pages.push(page);
      page = [];
    }
    page.push(message);
  }
  pages.push(page);
  return pages;
}

function lamport(page: Msg[], clock: (at: number) => number): SVGSVGElement | HTMLElement {
  const start = Math.min(...page.map((m) => m.sent));
  const lanes = PROCESSES;
  const lane = (address: string) => lanes.indexOf(processOf(address));
  const arrows = page.map((m) => {
    const lost = m.received === undefined;
    const [x1, to] = [lane(m.from), lane(m.to)];
    const y1 = m.sent - start;
    return {
      ...m,
      x1,
      y1,
      x2: lost ? x1 + (to - x1) / 2 : to,
      y2: lost ? y1 : (m.received as number) - start,
      lost,
      label: `${processOf(m.from)}→${processOf(m.to)} ${m.type}${lost ? ` ${m.fate ?? 'lost'}` : ''}`,
    };
  });
  const span = Math.max(...arrows.map((a) => a.y2), 1);
  return Plot.plot({
    width: 1100,
    height: Math.min(2400, 120 + 5 * page.length),
    marginTop: 40,
    marginLeft: 70,
    x: {
      domain: [-0.4, lanes.length - 0.6],
      axis: 'top',
      label: null,
      ticks: lanes.map((_, i) => i),
      tickFormat: (i: number) => lanes[i] ?? '',
    },
    y: { domain: [0, span], reverse: true, label: `ms from ${seconds(clock(start))}`, grid: true },
    // A request and its reply in two shades of one hue.
    color: { legend: true, label: 'message type', scheme: 'paired', domain: [...new Set(page.map((m) => m.type))].sort(byRequest) },
    marks: [
      Plot.ruleX(
        lanes.map((_, i) => i),
        { stroke: '#adb5bd', strokeWidth: 2 },
      ),
      ...[false, true].map((lost) =>
        Plot.arrow(
          arrows.filter((a) => a.lost === lost),
          {
            x1: 'x1',
            y1: 'y1',
            x2: 'x2',
            y2: 'y2',
            stroke: 'type',
            strokeDasharray: lost ? '4,3' : undefined,
            headLength: 6,
            ariaLabel: 'label',
            ariaDescription: 'messages',
            title: (a: (typeof arrows)[number]) =>
              `${a.label}${a.id === undefined ? '' : ` #${a.id}`}\nsent ${a.y1.toFixed(1)} ms${a.lost ? '' : `, received ${a.y2.toFixed(1)} ms`}`,
          },
        ),
      ),
    ],
  });
}

/** A process as envelopes address it (`users`), by its name (`users-node`). */
const processOf = (address: string): string => (PROCESSES.includes(address) ? address : `${address}-node`);

const byRequest = (a: string, b: string): number => {
  const key = (type: string) => `${type.replace(/_ok$/, '')} ${type.endsWith('_ok') ? 1 : 0}`;
  return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
};

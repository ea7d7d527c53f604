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
  // One colour per type on every page: a request and its reply in two shades of one hue.
  const types = [...new Set(messages.map((m) => m.type))].sort(byRequest);
  const select = h('select', { 'aria-label': 'page of messages' });
  pages.forEach((page, i) => {
    const first = page[0] as Msg;
    const text = `${first.window} window: messages ${count(page.length)} from ${seconds(clock(first.sent))}`;
    select.append(h('option', { value: String(i) }, text));
  });
  const diagram = h('div');
  const show = () => diagram.replaceChildren(lamport(pages[Number(select.value)] ?? [], types, clock));
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

/**
 * One page's diagram. Time goes down by the order of events, not by the
 * clock: each send and receive has a row of its own, so that a burst of
 * messages in a millisecond spreads out and a second of silence takes none.
 */
function lamport(page: Msg[], types: string[], clock: (at: number) => number): SVGSVGElement | HTMLElement {
  const lanes = PROCESSES;
  const lane = (address: string) => lanes.indexOf(processOf(address));
  const moments = [...new Set(page.flatMap((m) => (m.received === undefined ? [m.sent] : [m.sent, m.received])))].sort((a, b) => a - b);
  const rank = new Map(moments.map((at, index) => [at, index]));
  const first = moments[0] ?? 0;
  const arrows = page.map((m) => {
    const lost = m.received === undefined;
    const [x1, to] = [lane(m.from), lane(m.to)];
    const y1 = rank.get(m.sent) ?? 0;
    return {
      ...m,
      x1,
      y1,
      x2: lost ? x1 + (to - x1) / 2 : to,
      y2: lost ? y1 + 0.5 : (rank.get(m.received as number) ?? 0),
      lost,
      label: `${processOf(m.from)}→${processOf(m.to)} ${m.type}${lost ? ` ${m.fate ?? 'lost'}` : ''}`,
    };
  });
  const ms = (at: number) => `${(at - first).toFixed(1)} ms`;
  return Plot.plot({
    width: 1100,
    height: Math.min(3000, 120 + 9 * moments.length),
    marginTop: 40,
    marginLeft: 80,
    x: {
      domain: [-0.4, lanes.length - 0.6],
      axis: 'top',
      label: null,
      ticks: lanes.map((_, i) => i),
      tickFormat: (i: number) => lanes[i] ?? '',
    },
    y: {
      domain: [0, Math.max(1, moments.length - 1)],
      reverse: true,
      label: `events in order, from ${seconds(clock(first))}`,
      tickFormat: (i: number) => (moments[Math.round(i)] === undefined ? '' : ms(moments[Math.round(i)] as number)),
    },
    color: { legend: true, label: 'message type', domain: types, range: PALETTE },
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
              `${a.label}${a.id === undefined ? '' : ` #${a.id}`}\nsent at ${ms(a.sent)}${a.received === undefined ? '' : `, received at ${ms(a.received)}`}`,
          },
        ),
      ),
    ],
  });
}

/** Twenty colours in pairs of a light and a dark shade (d3's Paired, then Tableau's), for requests and their replies. */
const PALETTE = [
  '#a6cee3',
  '#1f78b4',
  '#b2df8a',
  '#33a02c',
  '#fb9a99',
  '#e31a1c',
  '#fdbf6f',
  '#ff7f00',
  '#cab2d6',
  '#6a3d9a',
  '#ffff99',
  '#b15928',
  '#9edae5',
  '#17becf',
  '#c7c7c7',
  '#7f7f7f',
  '#dbdb8d',
  '#bcbd22',
  '#f7b6d2',
  '#e377c2',
];

/** A process as envelopes address it (`users`), by its name (`users-node`). */
const processOf = (address: string): string => (PROCESSES.includes(address) ? address : `${address}-node`);

const byRequest = (a: string, b: string): number => {
  const key = (type: string) => `${type.replace(/_ok$/, '')} ${type.endsWith('_ok') ? 1 : 0}`;
  return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
};

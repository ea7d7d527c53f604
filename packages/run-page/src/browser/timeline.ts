import type { HistoryLine, LineOf } from '@dbsim/history';
import * as Plot from '@observablehq/plot';
import { runClock, seconds } from './clock.js';
import { fill, h, NODE_COLORS } from './dom.js';

const WIDTH = 1100;

interface Point {
  node: string;
  t: number;
  value: number;
}

/**
 * Each node over the run: rows committed per second, rows held back and
 * batches in flight, with each seal's phase shaded and every fault,
 * restart and power loss's lost batches marked where it happened.
 */
export function drawTimeline(history: readonly HistoryLine[]): void {
  const clock = runClock(history);
  const ticks = history.filter((line): line is LineOf<'tick'> => line.k === 'tick');
  if (ticks.length === 0) {
    fill('timeline', h('p', { class: 'note' }, 'This run recorded no history (--no-history).'));
    return;
  }
  // A long run's history has more lines than a spread of arguments takes.
  const end = history.reduce((last, line) => Math.max(last, clock(line.k === 'msg' ? line.sent : line.at)), 0.001);
  const series = (value: (tick: LineOf<'tick'>) => number) =>
    ticks.map((tick): Point => ({ node: `${tick.node}-node`, t: clock(tick.at), value: value(tick) }));
  const markers = marks(history, clock);
  const chart = (title: string, points: Point[], curve: Plot.CurveName, extra: Plot.Markish[] = []) =>
    Plot.plot({
      title,
      width: WIDTH,
      height: 170,
      marginLeft: 60,
      x: { domain: [0, end], label: 'seconds' },
      y: { grid: true, label: null, nice: true, domain: [0, points.reduce((top, p) => Math.max(top, p.value), 1)] },
      color: { ...NODE_COLORS, legend: extra.length > 0 },
      marks: [
        ...extra,
        Plot.ruleY([0]),
        Plot.lineY(points, { x: 't', y: 'value', stroke: 'node', z: 'node', curve, ariaDescription: title, tip: true }),
        ...markers,
      ],
    });
  fill(
    'timeline',
    chart('rows committed per second', rates(ticks, clock), 'step-before', seals(history, clock)),
    chart(
      'rows held back',
      series((tick) => tick.held),
      'step-after',
    ),
    chart(
      'batches in flight',
      series((tick) => tick.inFlight),
      'step-after',
    ),
    h(
      'p',
      { class: 'note' },
      `Shaded: a node's seal, from the sealing batch sent to its acknowledgement. Red: a fault injected; dashed: a restart; violet: acknowledged batches lost to a power loss. The run took ${seconds(end)}.`,
    ),
  );
}

/** Rows committed per second, per node, between one tick and the next. */
function rates(ticks: LineOf<'tick'>[], clock: (at: number) => number): Point[] {
  const points: Point[] = [];
  const last = new Map<string, { t: number; committed: number }>();
  for (const tick of ticks) {
    const node = `${tick.node}-node`;
    const t = clock(tick.at);
    const before = last.get(node);
    last.set(node, { t, committed: tick.committed });
    if (before === undefined) points.push({ node, t, value: 0 });
    // A power loss takes committed rows back: that is no negative rate, and shows as a marker.
    // Ticks come 0.1 s apart at least, but for the last one of a run, which must not spike.
    else points.push({ node, t, value: Math.max(0, tick.committed - before.committed) / Math.max(t - before.t, 0.1) });
  }
  return points;
}

function seals(history: readonly HistoryLine[], clock: (at: number) => number): Plot.Markish[] {
  const bands: { node: string; x1: number; x2: number }[] = [];
  const sent = new Map<string, number>();
  for (const line of history) {
    if (line.k !== 'seal') continue;
    if (line.phase === 'sent') sent.set(line.node, clock(line.at));
    else bands.push({ node: `${line.node}-node`, x1: sent.get(line.node) ?? clock(line.at), x2: clock(line.at) });
  }
  return [Plot.rect(bands, { x1: 'x1', x2: 'x2', fill: 'node', fillOpacity: 0.15, ariaDescription: 'seal' })];
}

function marks(history: readonly HistoryLine[], clock: (at: number) => number): Plot.Markish[] {
  const of = <K extends HistoryLine['k']>(k: K) => history.filter((line): line is LineOf<K> => line.k === k);
  const faults = of('fault');
  return [
    Plot.ruleX(faults, {
      x: (f: LineOf<'fault'>) => clock(f.at),
      stroke: '#c92a2a',
      strokeWidth: 2,
      ariaDescription: 'fault',
      title: (f: LineOf<'fault'>) => `${f.node}-node: ${f.fault}${f.ms === undefined ? '' : ` for ${f.ms} ms`} at ${seconds(clock(f.at))}`,
    }),
    Plot.text(faults, {
      x: (f: LineOf<'fault'>) => clock(f.at),
      frameAnchor: 'top',
      text: (f: LineOf<'fault'>) => f.fault,
      dy: -2,
      fill: '#c92a2a',
      fontSize: 9,
    }),
    Plot.ruleX(of('restart'), {
      x: (r: LineOf<'restart'>) => clock(r.at),
      stroke: '#495057',
      strokeDasharray: '4,3',
      ariaDescription: 'restart',
      title: (r: LineOf<'restart'>) => `${r.node}-node restarted (${r.exit})`,
    }),
    Plot.ruleX(of('lost'), {
      x: (l: LineOf<'lost'>) => clock(l.at),
      stroke: '#7048e8',
      strokeWidth: 2,
      ariaDescription: 'lost',
      title: (l: LineOf<'lost'>) =>
        `${l.node}-node lost ${l.batches} acknowledged batches (${l.rows} rows): sent again from row ${l.from + 1}`,
    }),
  ];
}

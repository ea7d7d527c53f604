import type { HistoryLine } from '@dbsim/history';

/**
 * A run's clock, in seconds: from its start, through each resume, leaving
 * out the time between an interrupted run and its resume, so that a run
 * resumed a day later still draws as one.
 */
export function runClock(history: readonly HistoryLine[]): (at: number) => number {
  const segments: { start: number; end: number; offset: number }[] = [];
  // A run's first lines (its setup messages) come before its `run` line: a segment begins with the first line after an end.
  let open = false;
  for (const line of history) {
    const at = line.k === 'msg' ? line.sent : line.at;
    const last = segments.at(-1);
    // A resumed run after a crash, which wrote no end, begins a segment too.
    if (!open || last === undefined || (line.k === 'run' && line.resumed)) {
      segments.push({ start: at, end: at, offset: last ? last.offset + (last.end - last.start) : 0 });
      open = true;
    } else {
      last.start = Math.min(last.start, at);
      last.end = Math.max(last.end, line.k === 'msg' ? (line.received ?? at) : at);
    }
    if (line.k === 'end') open = false;
  }
  return (at) => {
    const segment = segments.findLast((s) => s.start <= at) ?? segments[0];
    return segment === undefined ? 0 : (at - segment.start + segment.offset) / 1000;
  };
}

/** Seconds, as the page shows them. */
export const seconds = (s: number): string => `${s.toFixed(s < 10 ? 2 : 1)} s`;

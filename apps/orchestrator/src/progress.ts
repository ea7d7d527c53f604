import type { NodeName } from '@dbsim/protocol';
import { count } from './summary.js';

const REDRAW_MS = 250;
/** Rates are measured over the last few seconds, so that they follow the run rather than its start. */
const WINDOW_MS = 3000;
/** Before a node has been committing this long, its rate says too little to show, or to guess the time left from. */
const SETTLE_MS = 1000;

interface Track {
  total: number | undefined;
  committed: number;
  /** (time, rows committed) as commits came, over the last WINDOW_MS. */
  samples: [number, number][];
  firstAt: number | undefined;
  doneAt: number | undefined;
}

/**
 * A live display on a terminal, one line per node: rows committed of the
 * total, rows/s, time left, and under them what the run is doing when it is
 * not streaming (starting the nodes, writing the report), so the screen is
 * never blank. It is redrawn in place on stderr and erased when it stops (at
 * the summary, or at Ctrl-C), so the screen is left clean.
 */
export class Progress {
  #started = performance.now();
  readonly #tracks: Record<string, Track>;
  readonly #timer: NodeJS.Timeout;
  #note: string | undefined;
  #drawn = 0;
  #stopped = false;

  /** Only where someone watches: a terminal, and not under CI. */
  static wanted(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
    return stream.isTTY === true && !env.CI;
  }

  constructor(
    private readonly stream: NodeJS.WritableStream & { columns?: number },
    totals: Record<NodeName, number | undefined>,
    note?: string,
  ) {
    this.#tracks = Object.fromEntries(
      Object.entries(totals).map(([node, total]) => [node, { total, committed: 0, samples: [], firstAt: undefined, doneAt: undefined }]),
    );
    this.#note = note;
    this.#timer = setInterval(() => this.draw(), REDRAW_MS);
    this.#timer.unref();
  }

  /** The streams start, each from the row a resumed run had reached. */
  begin(from: Record<NodeName, number>): void {
    this.#started = performance.now();
    for (const [node, track] of Object.entries(this.#tracks)) track.committed = from[node as NodeName];
    this.note(undefined);
  }

  /** What the run is doing besides streaming, shown under the nodes' lines; undefined for nothing. */
  note(text: string | undefined): void {
    this.#note = text;
    this.draw();
  }

  committed(node: NodeName, rows: number, now = performance.now()): void {
    const track = this.#tracks[node];
    if (track === undefined) return;
    track.committed = rows;
    track.firstAt ??= now;
    track.samples.push([now, rows]);
    while ((track.samples[0]?.[0] ?? now) < now - WINDOW_MS && track.samples.length > 2) track.samples.shift();
    if (rows === track.total) track.doneAt ??= now;
  }

  /** The lines as they stand now. */
  render(now = performance.now()): string[] {
    const lines = Object.entries(this.#tracks).map(([node, track]) => {
      const of = track.total === undefined ? '' : ` of ${count(track.total)}`;
      return `${node.padEnd(8)} ${count(track.committed)}${of} rows${this.#pace(track, now)}`;
    });
    return this.#note === undefined ? lines : [...lines, this.#note];
  }

  draw(): void {
    if (this.#stopped) return;
    const width = this.stream.columns || 120; // 0 where the terminal has not said its size
    const lines = this.render().map((line) => line.slice(0, width - 1));
    this.stream.write(`${this.#erase()}${lines.join('\n')}\n`);
    this.#drawn = lines.length;
  }

  /** Stops redrawing and erases the display; stopping twice does nothing more. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#timer);
    this.stream.write(this.#erase());
    this.#drawn = 0;
  }

  #pace(track: Track, now: number): string {
    if (track.doneAt !== undefined) return `, done in ${seconds(track.doneAt - this.#started)}`;
    const first = track.samples[0];
    const last = track.samples.at(-1);
    if (
      track.firstAt === undefined ||
      now - track.firstAt < SETTLE_MS ||
      first === undefined ||
      last === undefined ||
      last[0] <= first[0]
    ) {
      return track.firstAt === undefined ? ', starting' : '';
    }
    const rate = Math.round(((last[1] - first[1]) / (last[0] - first[0])) * 1000);
    const left = track.total === undefined || rate <= 0 ? '' : `, ${seconds(((track.total - track.committed) / rate) * 1000)} left`;
    return `, ${count(rate)} rows/s${left}`;
  }

  /**
   * Clears the line the cursor is on (where a terminal echoes ^C) and moves
   * up over the lines drawn last, clearing each.
   */
  #erase(): string {
    return this.#drawn === 0 ? '' : `\r\x1b[2K${'\x1b[1A\x1b[2K'.repeat(this.#drawn)}`;
  }
}

function seconds(ms: number): string {
  if (ms < 9950) return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
  const s = Math.ceil(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

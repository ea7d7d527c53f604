import type { NodeName } from '@dbsim/protocol';

const REDRAW_MS = 250;

/**
 * A live display on a terminal, one line per node: rows committed of the
 * total, rows/s, time left. It is redrawn in place on stderr and erased
 * before the summary, so it never mixes with the JSON log lines on stdout.
 */
export class Progress {
  readonly #started = performance.now();
  readonly #committed: Record<string, number>;
  /** When each finished node finished: its rate stops there. */
  readonly #finished: Record<string, number> = {};
  readonly #timer: NodeJS.Timeout;
  #drawn = 0;

  /** Only where someone watches: a terminal, and not under CI. */
  static wanted(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
    return stream.isTTY === true && !env.CI;
  }

  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly totals: Record<NodeName, number | undefined>,
    from: Record<NodeName, number>,
  ) {
    this.#committed = { ...from };
    this.#timer = setInterval(() => this.draw(), REDRAW_MS);
    this.#timer.unref();
  }

  committed(node: NodeName, rows: number): void {
    this.#committed[node] = rows;
    if (rows === this.totals[node]) this.#finished[node] ??= performance.now();
  }

  /** The lines as they stand now. */
  render(now = performance.now()): string[] {
    return Object.entries(this.totals).map(([node, total]) => {
      const seconds = ((this.#finished[node] ?? now) - this.#started) / 1000;
      const done = this.#committed[node] ?? 0;
      const rate = seconds > 0 ? done / seconds : 0;
      const of = total === undefined ? '' : ` of ${total.toLocaleString('en-US')}`;
      const left = total === undefined || rate === 0 || done >= total ? '' : `, ${Math.ceil((total - done) / rate)} s left`;
      return `${node.padEnd(8)} ${done.toLocaleString('en-US')}${of} rows, ${Math.round(rate).toLocaleString('en-US')} rows/s${left}`;
    });
  }

  draw(): void {
    const lines = this.render();
    this.stream.write(`${this.#erase()}${lines.join('\n')}\n`);
    this.#drawn = lines.length;
  }

  /** Stops redrawing and erases the display. */
  stop(): void {
    clearInterval(this.#timer);
    this.stream.write(this.#erase());
    this.#drawn = 0;
  }

  /** Moves up over the lines drawn last, clearing each. */
  #erase(): string {
    return '\x1b[1A\x1b[2K'.repeat(this.#drawn);
  }
}

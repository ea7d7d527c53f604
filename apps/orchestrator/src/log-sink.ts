import { createHash, type Hash } from 'node:crypto';
import { closeSync, createReadStream, existsSync, openSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';

const REJECTED = '"msg":"row rejected"';

interface Rejected {
  node: string;
  run: number;
  position: number;
}

/**
 * Where every process's log lines end up: stdout, for pino-pretty, and
 * DIR/simulate.log. Writes are synchronous so nothing is lost on a crash
 * and memory stays flat however much is logged.
 *
 * It also keeps the rejection log exactly-once. A node logs a batch's
 * rejections after the commit, so a kill in between would lose them; a
 * restarted node therefore logs its last batch's rejections again, and the
 * sink drops every rejection line at or below the highest position it has
 * already written for that node and run. Each node logs positions in
 * increasing order, so one number per node is all it takes.
 */
export class LogSink {
  readonly #fd: number;
  readonly #logged = new Map<string, number>();
  #closed = false;

  constructor(
    file: string,
    append: boolean,
    private readonly echo = true,
  ) {
    this.#fd = openSync(file, append ? 'a' : 'w');
    // A reader that goes away (`| head`) must not take the run with it.
    if (echo) process.stdout.on('error', () => {});
  }

  /**
   * A sink that adds to an existing log (--keep, --resume), having first
   * learnt which rejections it holds: a node that restarts after an
   * interrupted run replays that run's last batch, and those lines are there.
   */
  static async append(file: string, echo = true): Promise<LogSink> {
    const sink = new LogSink(file, true, echo);
    if (existsSync(file)) for await (const rejected of rejectionLines(file)) sink.#isNew(rejected);
    return sink;
  }

  /** One complete JSON line, newline included. */
  write(line: string): void {
    if (this.#closed) return; // a killed node's last lines, after the run has ended
    const rejected = parseRejected(line);
    if (rejected !== undefined && !this.#isNew(rejected)) return;
    writeSync(this.#fd, line);
    if (this.echo) process.stdout.write(line);
  }

  /** Whether this rejection is past what was logged for its node and run; it counts as logged from now on. */
  #isNew({ node, run, position }: Rejected): boolean {
    const key = `${node}#${run}`;
    if (position <= (this.#logged.get(key) ?? -1)) return false;
    this.#logged.set(key, position);
    return true;
  }

  close(): void {
    this.#closed = true;
    closeSync(this.#fd);
  }
}

/**
 * A fingerprint of a run's rejection log: what each rejection line says
 * (node, table, position, id, reasons, row), not when or from which pid.
 * Two runs that logged the same rejections, each once, get the same one.
 */
export async function rejectionLogDigest(file: string, run: number): Promise<string> {
  // Nodes log side by side, so their lines interleave differently from run to run; each node's own lines are in stream
  // order, so one hash per node, combined at the end, needs no sorting and no memory.
  const hashes = new Map<string, Hash>();
  for await (const { node, line } of rejectionLines(file, run)) {
    const { table, position, id, reasons, row } = JSON.parse(line) as Record<string, unknown>;
    if (!hashes.has(node)) hashes.set(node, createHash('sha256'));
    hashes.get(node)?.update(`${JSON.stringify([table, position, id, reasons, row])}\n`);
  }
  const all = createHash('sha256');
  for (const node of [...hashes.keys()].sort()) all.update(`${node} ${hashes.get(node)?.digest('hex')}\n`);
  return all.digest('hex');
}

/** The rejection lines of a log file, of one run or of all. */
async function* rejectionLines(file: string, run?: number): AsyncGenerator<Rejected & { line: string }> {
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY })) {
    const rejected = parseRejected(line);
    if (rejected !== undefined && (run === undefined || rejected.run === run)) yield { ...rejected, line };
  }
}

function parseRejected(line: string): Rejected | undefined {
  if (!line.includes(REJECTED)) return undefined;
  try {
    const { node, run, position } = JSON.parse(line) as Partial<Rejected>;
    return typeof node === 'string' && typeof run === 'number' && typeof position === 'number' ? { node, run, position } : undefined;
  } catch {
    return undefined;
  }
}

import { createHash } from 'node:crypto';
import { closeSync, createReadStream, existsSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fsProblem } from '@dbsim/cli';
import { type RejectionKey, readEvent, readLine, readRejectionKey, type SyncDestination, syncDestination } from '@dbsim/logger';
import { IdSet } from '@dbsim/protocol';

/**
 * Where every process's log lines end up: stdout, for pino-pretty, and
 * DIR/simulate.log. Writes are synchronous (syncDestination), the lines that
 * arrived together written together before the next event, so nothing is
 * lost on a crash and memory stays flat however much is logged; a stdout
 * reader that goes away (`| head`) only ends the echo.
 *
 * It also keeps the rejection log exactly-once. A node logs a batch's
 * rejections after the commit, so a kill in between would lose them; a
 * restarted node therefore logs its last batch's rejections again. And a
 * power loss takes back batches a node had committed and logged, which it
 * then applies again, deciding a held-back row perhaps in another batch
 * than the first time. So the sink keeps, per node and run, the stream
 * positions it has written a rejection for, and drops a line for one it
 * has: a row is rejected once in a stream, however often it is decided.
 */
export class LogSink {
  readonly #fd: number;
  readonly #output: SyncDestination;
  readonly #logged = new Map<string, IdSet>();
  #closed = false;

  constructor(
    readonly file: string,
    append: boolean,
    echo = true,
  ) {
    this.#fd = openSync(file, append ? 'a' : 'w');
    this.#output = syncDestination(this.#fd, echo ? 1 : undefined);
  }

  /**
   * A sink that adds to an existing log (--keep, --resume), having first
   * learnt which rejections it holds: a node that restarts after an
   * interrupted run replays that run's last batch, and those lines are there.
   */
  static async append(file: string, echo = true): Promise<LogSink> {
    // A run stopped mid-line (a full disk, a kill) left the last line cut short: the next one starts on a line of its own.
    const cutShort = existsSync(file) && !endsWithNewline(file);
    const sink = new LogSink(file, true, echo);
    if (cutShort) writeSync(sink.#fd, '\n');
    if (existsSync(file)) for await (const rejected of rejectionLines(file)) sink.#isNew(rejected);
    return sink;
  }

  /**
   * One complete JSON line, with its newline or without (a node's line as
   * it was split off its stream: adding the newline to it would copy it).
   */
  write(line: string): void {
    if (this.#closed) return; // a killed node's last lines, after the run has ended
    const rejected = readRejectionKey(line);
    if (rejected !== undefined && !this.#isNew(rejected)) return;
    this.#output.write(line);
    if (!line.endsWith('\n')) this.#output.write('\n');
  }

  /** Whether no rejection was logged yet for this node, run and position; it counts as logged from now on. */
  #isNew({ name, run, position }: RejectionKey): boolean {
    const key = `${name}#${run}`;
    const logged = this.#logged.get(key) ?? new IdSet();
    this.#logged.set(key, logged);
    if (logged.has(position)) return false;
    logged.add(position);
    return true;
  }

  /** Closes the log; fails, naming the file, if a line could not be written to it (a reader of stdout may go away). */
  close(): void {
    this.#output.close();
    this.#closed = true;
    closeSync(this.#fd);
    const { failure } = this.#output;
    if (failure !== undefined) throw new Error(`cannot write ${this.file}: ${fsProblem(failure)}`, { cause: failure });
  }
}

function endsWithNewline(file: string): boolean {
  const { size } = statSync(file);
  if (size === 0) return true;
  const fd = openSync(file, 'r');
  try {
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    return last[0] === 0x0a;
  } finally {
    closeSync(fd);
  }
}

/**
 * A fingerprint of a run's rejection log: what each rejection line says
 * (node, table, position, id, reasons, row), not when, from which pid, or
 * by which batch. Two runs that logged the same rejections, each once, get
 * the same one.
 */
export async function rejectionLogDigest(file: string, run: number): Promise<string> {
  // Nodes log side by side, and a held-back row is logged later than its neighbours, so the order of lines varies from
  // run to run. A sum of line hashes does not depend on it, and unlike a XOR it still counts a line logged twice.
  let sum = 0n;
  let lines = 0;
  for await (const { line } of rejectionLines(file, run)) {
    const rejected = readEvent(readLine(line), 'row rejected');
    if (rejected === undefined) continue;
    const { name, table, position, id, reasons, row } = rejected;
    const hash = createHash('sha256')
      .update(JSON.stringify([name, table, position, id, reasons, row]))
      .digest('hex');
    sum = (sum + BigInt(`0x${hash}`)) % 2n ** 256n;
    lines++;
  }
  return `${lines}:${sum.toString(16).padStart(64, '0')}`;
}

/** The rejection lines of a log file, of one run or of all. */
async function* rejectionLines(file: string, run?: number): AsyncGenerator<RejectionKey & { line: string }> {
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY })) {
    const rejected = readRejectionKey(line);
    if (rejected !== undefined && (run === undefined || rejected.run === run)) yield { ...rejected, line };
  }
}

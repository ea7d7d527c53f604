import { closeSync, openSync, writeSync } from 'node:fs';

/**
 * Where every process's log lines end up: stdout, for pino-pretty, and
 * DIR/simulate.log. Writes are synchronous so nothing is lost on a crash
 * and memory stays flat however much is logged.
 */
export class LogSink {
  readonly #fd: number;
  #closed = false;

  constructor(file: string, append: boolean) {
    this.#fd = openSync(file, append ? 'a' : 'w');
    // A reader that goes away (`| head`) must not take the run with it.
    process.stdout.on('error', () => {});
  }

  /** One complete JSON line, newline included. */
  write(line: string): void {
    if (this.#closed) return; // a killed node's last lines, after the run has ended
    writeSync(this.#fd, line);
    process.stdout.write(line);
  }

  close(): void {
    this.#closed = true;
    closeSync(this.#fd);
  }
}

import { writeSync } from 'node:fs';
import type { DestinationStream } from 'pino';

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes log lines to `fd` without an in-process buffer that a SIGKILL could
 * lose: the lines of one synchronous stretch of work (a batch's rejections)
 * go out in one write at its end, before the process takes its next event,
 * and at exit. A node killed in between loses at most the lines of its last
 * committed batch, which it logs again at start.
 *
 * A pipe or socket whose reader falls behind blocks the write once full,
 * or answers EAGAIN if it is non-blocking (Node makes a pipe on stdout so
 * as soon as anything touches process.stdout): this waits a millisecond
 * and tries again, where sonic-boom's sync mode sleeps 100 ms, stalling a
 * node that logs a burst for seconds. Once the reader has gone, lines are
 * dropped. `echo` gets a copy of every line (the orchestrator's stdout
 * beside its log file).
 */
export interface SyncDestination extends DestinationStream {
  /** Writes what is pending now rather than at the end of this stretch. */
  flush(): void;
  /** Flushes, and stops flushing at exit: the caller closes the fd. */
  close(): void;
  /** The error that stopped the writes (a full disk, a reader gone), if one did. */
  readonly failure: NodeJS.ErrnoException | undefined;
}

export function syncDestination(fd: number, echo?: number): SyncDestination {
  let pending: string[] = [];
  // The echo's own failure (a reader of stdout gone) ends only the echo.
  const outputs = [
    { fd, failure: undefined as NodeJS.ErrnoException | undefined },
    ...(echo === undefined ? [] : [{ fd: echo, failure: undefined }]),
  ];
  const flush = () => {
    // Encoded once, however many outputs: a burst of long rejected rows is megabytes.
    const bytes = Buffer.from(pending.join(''));
    pending = [];
    for (const output of outputs) {
      let chunk = bytes;
      while (output.failure === undefined && chunk.length > 0) {
        try {
          chunk = chunk.subarray(writeSync(output.fd, chunk));
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EAGAIN') Atomics.wait(pause, 0, 0, 1);
          else output.failure = error as NodeJS.ErrnoException;
        }
      }
    }
  };
  process.on('exit', flush);
  return {
    write(line: string) {
      if (pending.length === 0) queueMicrotask(flush);
      pending.push(line);
    },
    flush,
    close() {
      flush();
      process.off('exit', flush);
    },
    get failure() {
      return outputs[0]?.failure;
    },
  };
}

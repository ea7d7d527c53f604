/**
 * How long a run may go without any node acknowledging a batch before it
 * gives up (or ten times the hang timeout, if that is longer). Every wait in
 * a run is bounded on its own (a silent node is restarted, a restart budget
 * runs out, a request is sent again), so this only catches what those miss:
 * a run never hangs, it ends or fails with one line.
 */
export const STALL_MS = 120_000;

/** The run made no progress for `ms`. */
export class Stalled extends Error {
  constructor(readonly ms: number) {
    super(`no progress for ${ms} ms`);
  }
}

/** Fails `stalled()` once `progressed()` has not been called for `ms`. */
export class Watchdog {
  #last = Date.now();
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly ms: number) {}

  progressed(): void {
    this.#last = Date.now();
  }

  stalled(): Promise<never> {
    return new Promise((_, reject) => {
      this.#timer = setInterval(
        () => {
          if (Date.now() - this.#last >= this.ms) reject(new Stalled(this.ms));
        },
        Math.min(1000, this.ms),
      );
      this.#timer.unref();
    });
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

import { NAMES, type NodeName } from '@dbsim/protocol';

/**
 * Keeps a stream whose rows name other nodes' rows from running ahead of
 * those nodes' streams: a batch is sent once each of them has committed at
 * least the same share of its rows. Rows mostly name rows that came earlier
 * in their owners' streams (an order follows its user's sign-up), and a row
 * naming one its owner has not decided yet is held back, stored, and
 * decided again once that stream ends, several times the work of a row
 * decided at once, and all of it after the owner has finished. Pacing only
 * changes when a batch is sent, never a row's outcome; a stream of unknown
 * length is not paced, nor is one by a stream of unknown length.
 */
export class Pacer {
  readonly #shares = new Map<NodeName, number>();
  #waiting: { ready: () => boolean; resolve: () => void }[] = [];

  constructor(private readonly counts: Record<NodeName, number | undefined>) {}

  /** A node's stream has committed up to `offset` (back, too, after a power loss). */
  committed(node: NodeName, offset: number): void {
    const count = this.counts[node];
    this.#shares.set(node, count ? offset / count : 1);
    this.#wake();
  }

  /** A node's stream has ended: nothing waits for it any more. */
  ended(node: NodeName): void {
    this.#shares.set(node, Number.POSITIVE_INFINITY);
    this.#wake();
  }

  /** Resolves once `node`'s batch that ends before row `end` may be sent. */
  async ahead(node: NodeName, end: number, signal: AbortSignal): Promise<void> {
    const count = this.counts[node];
    const owners = NAMES[node] ?? [];
    if (!count || owners.some((owner) => this.counts[owner] === undefined)) return;
    const share = end / count;
    const ready = () => owners.every((owner) => (this.#shares.get(owner) ?? 0) >= share);
    if (ready()) return;
    signal.throwIfAborted();
    await new Promise<void>((resolve, reject) => {
      const abort = () => {
        this.#waiting = this.#waiting.filter((other) => other !== waiter);
        reject(signal.reason);
      };
      const waiter = {
        ready,
        resolve: () => {
          signal.removeEventListener('abort', abort);
          resolve();
        },
      };
      this.#waiting.push(waiter);
      signal.addEventListener('abort', abort, { once: true });
    });
  }

  #wake(): void {
    const ready = this.#waiting.filter((waiter) => waiter.ready());
    if (ready.length === 0) return;
    this.#waiting = this.#waiting.filter((waiter) => !ready.includes(waiter));
    for (const waiter of ready) waiter.resolve();
  }
}

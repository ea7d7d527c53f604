import type { NodeStore } from './store.js';

interface Held {
  producer: number;
  /** The ids asked that the table does not hold yet: missing once the stream has ended. */
  undecided: Set<number>;
  answer(missing: number[]): void;
}

/**
 * The owner's side of a reference check. An id is "found" as soon as the table
 * holds it; it is "missing" only once the asking producer's stream has ended,
 * since a later row of that stream may still bring it. Lookups that cannot be
 * decided yet are held and decided as batches commit, so the answer never
 * depends on which stream ran ahead.
 */
export class OwnerLookups {
  #held: Held[] = [];

  constructor(private readonly store: NodeStore) {}

  get size(): number {
    return this.#held.length;
  }

  /**
   * Answers with the ids the table does not hold. Without a producer, the
   * answer is what the table holds now. A partial lookup is answered at once
   * too, naming the ids it cannot yet decide.
   */
  lookup(
    producer: number | undefined,
    ids: readonly number[],
    partial: boolean,
    answer: (missing: number[], undecided?: number[]) => void,
  ): void {
    const undecided = this.#notHeld(ids);
    const streamEnded = producer === undefined || this.store.ledger.streamEnded(producer);
    if (partial) {
      answer(streamEnded ? sorted(undecided) : [], streamEnded ? [] : sorted(undecided));
      return;
    }
    const held = { producer: producer ?? 0, undecided, answer };
    if (!this.#settle(held, streamEnded)) this.#held.push(held);
  }

  /** A transaction committed: its accepted ids, and maybe the end of its stream, decide held lookups. */
  committed(acceptedIds: readonly number[]): void {
    if (this.#held.length === 0) return;
    const accepted = new Set(acceptedIds);
    const ended = new Map<number, boolean>();
    this.#held = this.#held.filter((held) => {
      for (const id of held.undecided) if (accepted.has(id)) held.undecided.delete(id);
      let streamEnded = ended.get(held.producer);
      if (streamEnded === undefined) {
        streamEnded = this.store.ledger.streamEnded(held.producer);
        ended.set(held.producer, streamEnded);
      }
      return !this.#settle(held, streamEnded);
    });
  }

  /** The ids the table does not hold now, from the ids in memory (store.ids). */
  #notHeld(ids: readonly number[]): Set<number> {
    const notHeld = new Set<number>();
    for (const id of ids) if (!this.store.ids.has(id)) notHeld.add(id);
    return notHeld;
  }

  #settle(held: Held, streamEnded: boolean): boolean {
    if (held.undecided.size > 0 && !streamEnded) return false;
    held.answer(sorted(held.undecided));
    return true;
  }
}

const sorted = (ids: Set<number>): number[] => [...ids].sort((a, b) => a - b);

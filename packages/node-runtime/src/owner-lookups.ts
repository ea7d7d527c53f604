import type { NodeStore } from './store.js';

/** How long a partial lookup that finds ids not held yet waits, at most, for the owner's next transaction. */
export const PARTIAL_WAIT_MS = 50;

/** A lookup not answered yet. */
interface Waiting {
  producer: number;
  /** The ids asked that the table does not hold yet: missing once the stream has ended. */
  undecided: Set<number>;
  answer(missing: number[], undecided?: number[]): void;
}

/**
 * The owner's side of a reference check. An id is "found" as soon as the table
 * holds it; it is "missing" only once the asking producer's stream has ended,
 * since a later row of that stream may still bring it. Lookups that cannot be
 * decided yet are held and decided as batches commit, so the answer never
 * depends on which stream ran ahead.
 */
export class OwnerLookups {
  #held: Waiting[] = [];
  /**
   * Partial lookups that found ids the table does not hold yet, waiting for
   * the next transaction: an asker mostly references rows the owner is about
   * to commit, and each id answered undecided holds a row back until the
   * seal. The next commit answers them, or a short timer does, so that none
   * waits on an owner with no batch coming.
   */
  #parked: Waiting[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly store: NodeStore) {}

  /** Lookups not answered yet: waiting for a stream to end, or for the next commit. */
  get size(): number {
    return this.#held.length + this.#parked.length;
  }

  /**
   * Answers with the ids the table does not hold. Without a producer, the
   * answer is what the table holds now. A partial lookup is answered by the
   * next transaction at the latest (or PARTIAL_WAIT_MS), naming the ids it
   * cannot yet decide.
   */
  lookup(producer: number | undefined, ids: readonly number[], partial: boolean, answer: Waiting['answer']): void {
    const waiting: Waiting = { producer: producer ?? 0, undecided: this.#notHeld(ids), answer };
    const streamEnded = producer === undefined || this.store.ledger.streamEnded(producer);
    if (!partial) {
      if (!this.#settle(waiting, streamEnded)) this.#held.push(waiting);
    } else if (streamEnded || waiting.undecided.size === 0) answerPartial(waiting, streamEnded);
    else this.#park(waiting);
  }

  /** A transaction committed: the ids it accepted (now in store.ids), and maybe the end of its stream, decide waiting lookups. */
  committed(): void {
    if (this.#held.length === 0 && this.#parked.length === 0) return;
    const { ids } = this.store;
    const ended = new Map<number, boolean>();
    const streamEnded = (producer: number) => {
      let isOver = ended.get(producer);
      if (isOver === undefined) {
        isOver = this.store.ledger.streamEnded(producer);
        ended.set(producer, isOver);
      }
      return isOver;
    };
    // Drops the ids now held from a waiting lookup; says whether its stream has ended.
    const decide = (waiting: Waiting) => {
      for (const id of waiting.undecided) if (ids.has(id)) waiting.undecided.delete(id);
      return streamEnded(waiting.producer);
    };
    for (const parked of this.#unpark()) answerPartial(parked, decide(parked));
    this.#held = this.#held.filter((held) => !this.#settle(held, decide(held)));
  }

  #park(parked: Waiting): void {
    this.#parked.push(parked);
    // No commit since they were parked: no stream has ended since, as only a commit ends one.
    this.#timer ??= setTimeout(() => {
      for (const waited of this.#unpark()) answerPartial(waited, false);
    }, PARTIAL_WAIT_MS).unref();
  }

  #unpark(): Waiting[] {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    return this.#parked.splice(0);
  }

  /** The ids the table does not hold now, from the ids in memory (store.ids). */
  #notHeld(ids: readonly number[]): Set<number> {
    const notHeld = new Set<number>();
    for (const id of ids) if (!this.store.ids.has(id)) notHeld.add(id);
    return notHeld;
  }

  #settle(held: Waiting, streamEnded: boolean): boolean {
    if (held.undecided.size > 0 && !streamEnded) return false;
    held.answer(sorted(held.undecided));
    return true;
  }
}

const sorted = (ids: Set<number>): number[] => [...ids].sort((a, b) => a - b);

/** A partial lookup's answer: its ids not held are missing once the stream has ended, undecided until then. */
function answerPartial({ undecided, answer }: Waiting, streamEnded: boolean): void {
  answer(streamEnded ? sorted(undecided) : [], streamEnded ? [] : sorted(undecided));
}

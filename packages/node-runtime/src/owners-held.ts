import { IdSet, type NodeName } from '@dbsim/protocol';

/** What one lookup's answer taught: the ids asked that the owner holds. */
interface Learned {
  owner: NodeName;
  ids: number[];
}

/**
 * The ids each owning node has said it holds, for the producer whose stream
 * is being applied, so that an id once held is not asked about again: an
 * order mostly names a user or product an earlier order named, and about
 * half the user ids and most product ids a lookup carried were such. An
 * owner does not delete rows: a power loss takes back batches that its
 * stream then brings again, decided the same. An answer counts only once
 * the transaction that used it has committed here: this node's record then
 * holds part of the producer's stream, so no fresh run can reuse the
 * producer number with this node as it is. A reset forgets everything.
 */
export class OwnersHeld {
  #producer = 0;
  readonly #held = new Map<NodeName, IdSet>();
  readonly #answered = new WeakMap<object, { producer: number; learned: Learned[] }>();

  /** The ids `owner` is known to hold, for `producer`'s stream. */
  of(producer: number, owner: NodeName): IdSet {
    if (producer !== this.#producer) this.forget();
    this.#producer = producer;
    let held = this.#held.get(owner);
    if (held === undefined) {
      held = new IdSet();
      this.#held.set(owner, held);
    }
    return held;
  }

  /** What the answers gathered in `resolved` taught, to be known once the transaction that uses them commits. */
  answered(resolved: object, producer: number, learned: Learned[]): void {
    this.#answered.set(resolved, { producer, learned });
  }

  /** The transaction that used `resolved` has committed. */
  committed(resolved: object): void {
    const answered = this.#answered.get(resolved);
    if (answered === undefined) return;
    for (const { owner, ids } of answered.learned) {
      const held = this.of(answered.producer, owner);
      for (const id of ids) held.add(id);
    }
  }

  forget(): void {
    this.#held.clear();
  }
}

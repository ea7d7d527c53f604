import { IdSet, type NodeName } from '@dbsim/protocol';

/**
 * The ids each owning node has answered that it holds, for the producer
 * whose stream is being applied. An owner never deletes a row (a power loss
 * only takes back batches its stream then brings again, decided the same),
 * so an id once held is not asked about again: an order mostly names a user
 * or product an earlier order named, and about half the user ids and most
 * product ids a lookup carried were such. A new producer starts afresh: a
 * fresh run may have emptied the owners' tables.
 */
export class OwnersHeld {
  #producer = 0;
  readonly #held = new Map<NodeName, IdSet>();

  of(producer: number, owner: NodeName): IdSet {
    if (producer !== this.#producer) {
      this.#producer = producer;
      this.#held.clear();
    }
    let held = this.#held.get(owner);
    if (held === undefined) {
      held = new IdSet();
      this.#held.set(owner, held);
    }
    return held;
  }
}

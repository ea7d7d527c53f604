import { IdSet } from '@dbsim/protocol';

/**
 * The ids a node's table holds, in memory: read from the table at first use,
 * then kept up to date as each row is inserted. Owners answer lookups from
 * it, and a rejected row's id is checked against it: a probe of the table's
 * B-tree per id costs more than the insert. A transaction that rolls back
 * leaves ids in it that the table does not hold: forget() them all then,
 * and they are read again.
 */
export class TableIds {
  #ids: IdSet | undefined;

  constructor(private readonly read: () => Iterable<number>) {}

  has(id: number): boolean {
    if (this.#ids === undefined) {
      this.#ids = new IdSet();
      for (const held of this.read()) this.#ids.add(held);
    }
    return this.#ids.has(id);
  }

  /** A row was inserted; when the ids are not read yet, reading them will find it. */
  inserted(id: number): void {
    this.#ids?.add(id);
  }

  forget(): void {
    this.#ids = undefined;
  }
}

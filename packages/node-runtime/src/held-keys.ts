/** A row's value of a unique key. */
export type Key = string | number;
/** A row's value of each unique key, undefined where the value cannot be one. */
export type Keys = (Key | undefined)[];

/**
 * The unique keys of a stream's held-back rows. A later row sharing one
 * waits its turn behind them, so that the first in stream order wins it.
 */
export class HeldKeys {
  readonly #keys: Set<Key>[];
  /**
   * Each key's largest number held: a row is checked against the held keys
   * once any row is held, and a row's id is mostly larger than those before
   * it, which this answers without a lookup.
   */
  readonly #largest: number[];

  constructor(width: number) {
    this.#keys = Array.from({ length: width }, () => new Set<Key>());
    this.#largest = Array.from({ length: width }, () => Number.NEGATIVE_INFINITY);
  }

  /** Whether a row is held back yet: until one is, no row's keys need working out to be checked. */
  #any = false;

  get any(): boolean {
    return this.#any;
  }

  /** Whether a held-back row has this key, the row's value of unique key `k`. */
  has(k: number, key: Key): boolean {
    if (typeof key === 'number' && key > (this.#largest[k] as number)) return false;
    return this.#keys[k]?.has(key) === true;
  }

  hold(keys: Keys): void {
    this.#any = true;
    keys.forEach((key, k) => {
      if (key === undefined) return;
      this.#keys[k]?.add(key);
      if (typeof key === 'number' && key > (this.#largest[k] as number)) this.#largest[k] = key;
    });
  }
}

/**
 * Ids an owning node has answered found, for one stream. A row once accepted
 * is never removed, so such an answer holds for good and need not be asked
 * for again. Bounded: once full it starts over, which costs only questions.
 */
export class FoundCache {
  #ids = new Set<number>();

  constructor(
    readonly producer: number,
    private readonly capacity: number,
  ) {}

  get size(): number {
    return this.#ids.size;
  }

  has(id: number): boolean {
    return this.#ids.has(id);
  }

  add(ids: Iterable<number>): void {
    for (const id of ids) {
      if (this.#ids.size >= this.capacity) this.#ids = new Set();
      this.#ids.add(id);
    }
  }
}

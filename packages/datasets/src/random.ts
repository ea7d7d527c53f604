/**
 * A small seeded generator (mulberry32): the same seed gives the same
 * sequence on every machine, which is what makes data sets and fault
 * schedules reproducible.
 */
export class Random {
  #state: number;

  /** `index` gives each item of a stream (a row of a table) a sequence of its own. */
  constructor(seed: number, stream = '', index?: number) {
    const base = streamState(seed, stream);
    this.#state = index === undefined ? base : itemState(base, index);
  }

  /**
   * The items of one stream, as `new Random(seed, stream, index)` gives
   * them, from one object reset for each: no allocation per row of a data
   * set. The generator given is the same object each time: done with one
   * item's before asking for the next.
   */
  static items(seed: number, stream: string): (index: number) => Random {
    const base = streamState(seed, stream);
    const random = new Random(seed);
    return (index) => {
      random.#state = itemState(base, index);
      return random;
    };
  }

  /** A float in [0, 1). */
  next(): number {
    // Kept as a 32-bit integer: as an unsigned one above 2^31 V8 would hold it as a double, in an object of its own.
    this.#state = (this.#state + 0x6d2b79f5) | 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
}

function streamState(seed: number, stream: string): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < stream.length; i++) h = Math.imul(h ^ stream.charCodeAt(i), 0x85ebca6b) >>> 0;
  return h | 0;
}

/** murmur3's finaliser: neighbouring indexes get unrelated states. */
function itemState(base: number, index: number): number {
  let h = (base ^ Math.imul(index, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

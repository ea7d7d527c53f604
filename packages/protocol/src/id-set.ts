const BLOCK_BITS = 16;
const BLOCK_SIZE = 1 << BLOCK_BITS;
/**
 * A block holding more ids than this is a bitmap (8 KB) rather than a list:
 * each id in a list takes 8 bytes (Node's V8 has no pointer compression),
 * more while the array grows. At 4096, a run's rejection positions (one in
 * twenty) stayed lists of 35 KB a block.
 */
const LIST_MAX = 1024;

/**
 * A set of record ids, small however large the ids. Ids are grouped in blocks
 * of 65,536: a block with few ids keeps them in a sorted list, a block with
 * many is a bitmap, so a million consecutive ids take 128 KB.
 */
export class IdSet {
  readonly #blocks = new Map<number, number[] | Uint32Array>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  has(id: number): boolean {
    const block = this.#blocks.get(Math.floor(id / BLOCK_SIZE));
    if (block === undefined) return false;
    const low = id % BLOCK_SIZE;
    return block instanceof Uint32Array ? ((block[low >>> 5] ?? 0) & (1 << (low & 31))) !== 0 : indexOf(block, low) >= 0;
  }

  add(id: number): void {
    const key = Math.floor(id / BLOCK_SIZE);
    const low = id % BLOCK_SIZE;
    const block = this.#blocks.get(key) ?? [];
    if (block instanceof Uint32Array) {
      const bit = 1 << (low & 31);
      const word = block[low >>> 5] ?? 0;
      if ((word & bit) === 0) this.#size++;
      block[low >>> 5] = word | bit;
      return;
    }
    const at = indexOf(block, low);
    if (at >= 0) return;
    block.splice(-at - 1, 0, low);
    this.#size++;
    this.#blocks.set(key, block.length > LIST_MAX ? toBitmap(block) : block);
  }
}

/** Where `low` is in the sorted list, or -(insertion point) - 1. */
function indexOf(list: readonly number[], low: number): number {
  // Ids mostly come in increasing order: check the end first.
  const last = list.length - 1;
  if (last < 0 || (list[last] as number) < low) return -list.length - 1;
  let lo = 0;
  let hi = last;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const value = list[mid] as number;
    if (value === low) return mid;
    if (value < low) lo = mid + 1;
    else hi = mid - 1;
  }
  return -lo - 1;
}

function toBitmap(list: readonly number[]): Uint32Array {
  const bitmap = new Uint32Array(BLOCK_SIZE / 32);
  for (const low of list) bitmap[low >>> 5] = (bitmap[low >>> 5] ?? 0) | (1 << (low & 31));
  return bitmap;
}

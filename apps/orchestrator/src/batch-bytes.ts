import { EncodedRows } from '@dbsim/protocol';

/** The smallest buffer lent: a batch's bytes are rarely fewer. */
const MIN_CAPACITY = 64 * 1024;
/** Buffers kept per size for the next batches: more than a run's batches in flight and in hand. */
const KEPT_PER_SIZE = 32;

/**
 * Buffers for batches' bytes, written over once every holder of a batch's
 * rows has let go (EncodedRows). Each would otherwise be a buffer of half a
 * megabyte kept until its batch is acknowledged: long enough for V8 to move
 * the object to its old generation, where its memory goes back only at a
 * full collection, which these buffers themselves provoked. The
 * orchestrator's memory then swung by 40 MB, and with its heap starting at
 * 64 MB it marked it whole 112 times in a run four times the default size
 * (now 14). Sizes are rounded up to a power of two, so that the batches of
 * every table share them.
 */
export class BatchBytes {
  readonly #free = new Map<number, Buffer[]>();

  /** `length` bytes for `count` rows, written by `write`, lent until every holder has let go. */
  rows(length: number, count: number, write: (bytes: Buffer) => void): EncodedRows {
    const capacity = Math.max(MIN_CAPACITY, 2 ** Math.ceil(Math.log2(length)));
    const free = this.#free.get(capacity) ?? [];
    this.#free.set(capacity, free);
    const whole = free.pop() ?? Buffer.allocUnsafeSlow(capacity);
    const bytes = whole.subarray(0, length);
    write(bytes);
    return new EncodedRows(bytes, count, () => {
      if (free.length < KEPT_PER_SIZE) free.push(whole);
    });
  }
}

import { EncodedRows } from '@dbsim/protocol';

/** Buffers are sized in multiples of this. */
const STEP = 64 * 1024;
/** Buffers kept for the next batches: more than a stream's batches in flight and in hand. */
const KEPT = 16;

/**
 * One stream's buffers for its batches' bytes, written over once every
 * holder of a batch's rows has let go (EncodedRows). Each would otherwise be
 * a buffer of half a megabyte kept until its batch is acknowledged: long
 * enough for V8 to move the object to its old generation, where its memory
 * goes back only at a full collection, which these buffers themselves
 * provoked. The orchestrator's memory then swung by 40 MB, and with its heap
 * starting at 64 MB it marked it whole 112 times in a run four times the
 * default size (now 14).
 *
 * A stream's batches are of much the same size, so a buffer is made an
 * eighth larger than the batch that needs it, and one too small for the
 * next batch is let go. Lent from buffers shared by every stream and sized
 * by the batch (in steps of 64 KB, or powers of two), they were of more
 * sizes the longer the run: the batches grow a little as the ids lengthen,
 * and each size kept as many buffers as were ever in use at once.
 */
export class BatchBytes {
  readonly #free: Buffer[] = [];

  /** `length` bytes for `count` rows, written by `write`, lent until every holder has let go. */
  rows(length: number, count: number, write: (bytes: Buffer) => void): EncodedRows {
    const whole = this.#take(length) ?? Buffer.allocUnsafeSlow(Math.ceil((length * 9) / 8 / STEP) * STEP);
    const bytes = whole.subarray(0, length);
    write(bytes);
    return new EncodedRows(bytes, count, () => {
      if (this.#free.length < KEPT) this.#free.push(whole);
    });
  }

  /** The buffer let go last that holds `length` bytes; those let go after it that do not are left to the GC. */
  #take(length: number): Buffer | undefined {
    for (let free = this.#free.pop(); free !== undefined; free = this.#free.pop()) if (free.length >= length) return free;
    return undefined;
  }
}

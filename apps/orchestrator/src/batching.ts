import { RowText, type TableSource } from '@dbsim/datasets';
import { EncodedRows, MAX_BATCH_BYTES, MAX_ROW_BYTES, type Request } from '@dbsim/protocol';

/** How much text is gathered before it is written into a batch's bytes. */
const PENDING_CHARS = 16 * 1024;

/** A row this short is taken for its longest UTF-8 (3 bytes a character) instead of being measured. */
const SHORT_ROW_CHARS = 256;

/** How much of a row too large to send goes in its place: enough to recognise it by. */
const OVERSIZED_HEAD_CHARS = 4096;

/** A batch as it is sent, and sent again until acknowledged: its rows encoded once. */
export type Batch = Pick<Request<'insert'>, 'offset' | 'seal' | 'texts' | 'oversized'> & { rows: EncodedRows; seal: boolean };

/**
 * The table's rows cut into batches numbered by offset, starting at `from`,
 * ending with an empty batch that seals the stream. A batch ends at
 * `batchSize` rows or at MAX_BATCH_BYTES bytes of JSON, whichever comes
 * first (a longer row goes alone). A row kept as written (RowText) goes as
 * its text beside the rows; one over MAX_ROW_BYTES, as a marker. A source
 * that writes its rows' JSON itself (the generator) is read as that text, a
 * row at a time without waiting on a promise for each.
 */
export async function* batches(source: TableSource, batchSize: number, from: number): AsyncGenerator<Batch> {
  const cut = new Cutter(batchSize, from);
  if (source.texts) {
    for (const text of source.texts()) {
      const full = cut.add(text, false);
      if (full) yield full;
    }
  } else {
    for await (const row of source.rows()) {
      const kept = row instanceof RowText;
      const full = cut.add(kept ? row.text : (JSON.stringify(row) ?? 'null'), kept);
      if (full) yield full;
    }
  }
  const last = cut.finish();
  if (last) yield last;
  yield { offset: cut.position, rows: EncodedRows.of([]), seal: true };
}

/**
 * Rows' JSON gathered into batches: the rows' text, skipping those before
 * `from`, is written as UTF-8 into the bytes of the batch they fall in, a
 * few kilobytes at a time (a write per row would cost more than the row), so
 * that no row's string outlives the next few rows.
 */
class Cutter {
  position = 0;
  #offset: number;
  #bytes = Buffer.allocUnsafe(64 * 1024);
  #used = 0;
  /** Text not yet written into the bytes. */
  #pending = '';
  #count = 0;
  /** The batch's bytes so far, short rows counted at their longest. */
  #size = 0;
  #texts: Record<string, string> = {};
  #oversized: Record<string, { chars: number; head: string }> = {};

  constructor(
    private readonly batchSize: number,
    private readonly from: number,
  ) {
    this.#offset = from;
  }

  /** Adds a row, as JSON or as the text it was written in (`kept`); returns the batch it completed, if any. */
  add(text: string, kept: boolean): Batch | undefined {
    if (this.position++ < this.from) return undefined;
    const bytes = text.length <= SHORT_ROW_CHARS ? 3 * text.length : Buffer.byteLength(text);
    const oversized = bytes > MAX_ROW_BYTES;
    const size = oversized ? 3 * OVERSIZED_HEAD_CHARS : bytes;
    const full =
      this.#count === this.batchSize || (this.#count > 0 && this.#size + size > MAX_BATCH_BYTES)
        ? this.finish(this.position - 1)
        : undefined;
    this.#size += size;
    if (oversized) this.#oversized[this.#count] = { chars: text.length, head: text.slice(0, OVERSIZED_HEAD_CHARS) };
    else if (kept) this.#texts[this.#count] = text;
    this.#pending += `${this.#count === 0 ? '[' : ','}${oversized || kept ? 'null' : text}`;
    if (this.#pending.length >= PENDING_CHARS) this.#flush();
    this.#count++;
    return full;
  }

  /** The batch gathered so far, if it has rows; the next starts at `next`. */
  finish(next = this.position): Batch | undefined {
    if (this.#count === 0) return undefined;
    this.#pending += ']';
    this.#flush();
    const batch: Batch = {
      offset: this.#offset,
      rows: new EncodedRows(Buffer.from(this.#bytes.subarray(0, this.#used)), this.#count),
      seal: false,
    };
    if (Object.keys(this.#texts).length > 0) batch.texts = this.#texts;
    if (Object.keys(this.#oversized).length > 0) batch.oversized = this.#oversized;
    this.#offset = next;
    this.#used = 0;
    this.#count = 0;
    this.#size = 0;
    this.#texts = {};
    this.#oversized = {};
    return batch;
  }

  #flush(): void {
    const text = this.#pending;
    this.#pending = '';
    // A UTF-16 unit is at most 3 bytes of UTF-8.
    const needed = this.#used + 3 * text.length;
    if (needed > this.#bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, 2 * this.#bytes.length));
      this.#bytes.copy(grown, 0, 0, this.#used);
      this.#bytes = grown;
    }
    this.#used += this.#bytes.write(text, this.#used);
  }
}

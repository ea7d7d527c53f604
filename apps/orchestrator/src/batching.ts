import { JsonBytes, RowText, type TableSource } from '@dbsim/datasets';
import { EncodedRows, MAX_BATCH_BYTES, MAX_ROW_BYTES, type Request } from '@dbsim/protocol';
import { BatchBytes } from './batch-bytes.js';

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
 * that writes its rows' JSON itself (the generator) writes them straight
 * into the batch's bytes, from row `from` on.
 */
export async function* batches(source: TableSource, batchSize: number, from: number): AsyncGenerator<Batch> {
  const cut = new Cutter(batchSize, from);
  const { count, writeJson } = source;
  // The stream's length, which the seal says: a resumed run whose data holds fewer rows than the node has is refused.
  let length = 0;
  if (writeJson && count !== undefined) {
    for (let i = from; i < count; i++) {
      const full = cut.addWritten(i, writeJson);
      if (full) yield full;
    }
    length = count;
  } else {
    for await (const row of source.rows()) {
      if (length++ < from) continue;
      const kept = row instanceof RowText;
      const full = cut.add(kept ? row.text : (JSON.stringify(row) ?? 'null'), kept);
      if (full) yield full;
    }
  }
  const last = cut.finish();
  if (last) yield last;
  yield { offset: length, rows: EncodedRows.of([]), seal: true };
}

const OPEN = 0x5b; // [
const COMMA = 0x2c;
const CLOSE = 0x5d; // ]

/**
 * Rows' JSON gathered into batches, as the UTF-8 bytes of the batch they
 * fall in. Rows given as text are written a few kilobytes at a time (a write
 * per row would cost more than the row), so that no row's string outlives
 * the next few rows.
 */
class Cutter {
  /** The stream position of the next row. */
  #position: number;
  #offset: number;
  readonly #out = new JsonBytes();
  readonly #lender = new BatchBytes();
  /** Text not yet written into the bytes. */
  #pending = '';
  #count = 0;
  /** The batch's bytes so far, short rows given as text counted at their longest. */
  #size = 0;
  #texts: Record<string, string> = {};
  #oversized: Record<string, { chars: number; head: string }> = {};

  constructor(
    private readonly batchSize: number,
    from: number,
  ) {
    this.#position = from;
    this.#offset = from;
  }

  /** Adds a row, as JSON or as the text it was written in (`kept`); returns the batch it completed, if any. */
  add(text: string, kept: boolean): Batch | undefined {
    const bytes = text.length <= SHORT_ROW_CHARS ? 3 * text.length : Buffer.byteLength(text);
    const oversized = bytes > MAX_ROW_BYTES;
    const size = oversized ? 3 * OVERSIZED_HEAD_CHARS : bytes;
    const full = this.#isFull(size) ? this.finish() : undefined;
    this.#size += size;
    if (oversized) this.#oversized[this.#count] = { chars: text.length, head: text.slice(0, OVERSIZED_HEAD_CHARS) };
    else if (kept) this.#texts[this.#count] = text;
    this.#pending += `${this.#count === 0 ? '[' : ','}${oversized || kept ? 'null' : text}`;
    if (this.#pending.length >= PENDING_CHARS) this.#flush();
    this.#count++;
    this.#position++;
    return full;
  }

  /**
   * Adds row `i`, which `writeJson` writes straight into the batch's bytes;
   * returns the batch it completed, if any. A row that the batch has no room
   * for is moved to the next one; one too large for a message is taken back
   * and added as text, which sends a marker.
   */
  addWritten(i: number, writeJson: (i: number, out: JsonBytes) => void): Batch | undefined {
    this.#flush();
    const out = this.#out;
    const start = out.length;
    out.byte(this.#count === 0 ? OPEN : COMMA);
    writeJson(i, out);
    const bytes = out.length - start - 1;
    if (bytes > MAX_ROW_BYTES) {
      const text = out.toString(start + 1);
      out.length = start;
      return this.add(text, false);
    }
    // Counted as `add` counts the row's text, so that the rows cut the same either way: a short row at 3 bytes a
    // character (the generator's are ASCII, a character a byte).
    const size = bytes <= SHORT_ROW_CHARS ? 3 * bytes : bytes;
    const full = this.#isFull(size) ? this.finish(start) : undefined;
    this.#size += size;
    this.#count++;
    this.#position++;
    return full;
  }

  /**
   * The batch gathered so far, if it has rows; the next starts at this
   * position. Bytes from `end` on are the next batch's first row, written
   * already.
   */
  finish(end?: number): Batch | undefined {
    if (this.#count === 0) return undefined;
    this.#flush();
    const out = this.#out;
    const carried = end === undefined ? 0 : out.length - end;
    const length = out.length - carried;
    const rows = this.#lender.rows(length + 1, this.#count, (bytes) => {
      out.bytes.copy(bytes, 0, 0, length);
      bytes[length] = CLOSE;
    });
    const batch: Batch = { offset: this.#offset, rows, seal: false };
    if (Object.keys(this.#texts).length > 0) batch.texts = this.#texts;
    if (Object.keys(this.#oversized).length > 0) batch.oversized = this.#oversized;
    this.#offset = this.#position;
    out.bytes.copyWithin(0, length, out.length);
    out.length = carried;
    if (carried > 0) out.bytes[0] = OPEN;
    this.#count = 0;
    this.#size = 0;
    this.#texts = {};
    this.#oversized = {};
    return batch;
  }

  /** Whether the batch has no room for a row of `bytes` bytes. */
  #isFull(bytes: number): boolean {
    return this.#count === this.batchSize || (this.#count > 0 && this.#size + bytes > MAX_BATCH_BYTES);
  }

  #flush(): void {
    if (this.#pending.length === 0) return;
    this.#out.text(this.#pending);
    this.#pending = '';
  }
}

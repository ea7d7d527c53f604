import type { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { Envelope, Request } from './messages.js';

/**
 * A batch's rows encoded as JSON once, as the UTF-8 bytes they go on the
 * wire as, kept until the batch is acknowledged and spliced into every line
 * that sends it: thousands of row objects or strings kept alive that long
 * would be copied by every garbage collection in between, and text would be
 * encoded again at every write.
 *
 * The bytes may be lent (`free`): whoever keeps them past the moment holds
 * them (the sender, from the start, until acknowledged; each line that
 * carries them, until written), and once the last lets go they are handed
 * back, to be written over. A hold never let go only leaves them to the
 * garbage collector.
 */
export class EncodedRows {
  #holds = 1;

  constructor(
    readonly bytes: Buffer,
    readonly count: number,
    private readonly free?: () => void,
  ) {}

  static of(rows: readonly unknown[]): EncodedRows {
    return new EncodedRows(Buffer.from(JSON.stringify(rows)), rows.length);
  }

  hold(): void {
    if (this.#holds === 0) throw new Error('rows held after they were handed back');
    this.#holds++;
  }

  release(): void {
    if (this.#holds === 0) throw new Error('rows let go more often than held');
    if (--this.#holds === 0) this.free?.();
  }
}

const CLOSE_INSERT = Buffer.from('}}\n');

/**
 * An insert's line as bytes, in parts: its head, its rows' bytes, its close.
 * The rows' bytes are the batch's own, shared by every line that sends it
 * (a resend, a copy the net duplicates) and written as they are: a line
 * copied whole for each send was half a megabyte a batch to allocate, copy
 * and free, and the freed blocks were what grew the orchestrator's RSS. A
 * line holds its rows once, for its first write: writeLine (or the net's
 * link, for each copy it makes) lets go of them once it is written, so a
 * line written again takes another hold first.
 */
export class InsertLine {
  readonly parts: readonly Buffer[];
  readonly length: number;

  constructor(
    head: Buffer,
    readonly rows: EncodedRows,
  ) {
    rows.hold();
    this.parts = [head, rows.bytes, CLOSE_INSERT];
    this.length = head.length + rows.bytes.length + CLOSE_INSERT.length;
  }
}

/** A line as it is written: text, or an insert whose rows are encoded already. */
export type Line = string | InsertLine;

/** An insert as a sender hands it over: its rows may be encoded already. */
export type OutgoingInsert = Omit<Request<'insert'>, 'rows'> & { rows: unknown[] | EncodedRows };
/** An envelope whose body may be an insert with encoded rows. */
export type Outgoing = Envelope | (Omit<Envelope, 'body'> & { body: OutgoingInsert });

/** A message is one line of JSON: readable on the wire, and `socat` can speak it. */
export function encodeLine(message: Outgoing): Line {
  const { body } = message;
  if (body.type !== 'insert' || !(body.rows instanceof EncodedRows)) return `${JSON.stringify(message)}\n`;
  const { rows, ...rest } = body;
  // The body's JSON ends in "}": the rows go in just before it, and the envelope closes after.
  const head = JSON.stringify({ src: message.src, dest: message.dest });
  const before = Buffer.from(`${head.slice(0, -1)},"body":${JSON.stringify(rest).slice(0, -1)},"rows":`);
  return new InsertLine(before, rows);
}

/** The head of a line, for what reads it: its first `units` characters, or of bytes its first `units` bytes, decoded. */
export function lineHead(line: Line, units: number): string {
  if (typeof line === 'string') return line.slice(0, units);
  let head = '';
  for (let part = 0, left = units; left > 0 && part < line.parts.length; part++) {
    const bytes = line.parts[part] as Buffer;
    head += bytes.toString('utf8', 0, Math.min(bytes.length, left));
    left -= bytes.length;
  }
  return head;
}

/**
 * Writes a line to a byte stream. An insert's parts are written back to
 * back, so that no other line comes between them, and corked, so that a
 * socket takes them in one writev; once the stream has taken them, the
 * line lets go of its rows. `done` is called once the whole line is written.
 */
export function writeLine(stream: Writable, line: Line, done?: (error?: Error | null) => void): boolean {
  if (typeof line === 'string') return stream.write(line, done);
  const [head, rows, close] = line.parts as [Buffer, Buffer, Buffer];
  stream.cork();
  try {
    stream.write(head);
    stream.write(rows);
    return stream.write(close, (error) => {
      line.rows.release();
      done?.(error);
    });
  } finally {
    stream.uncork();
  }
}

/**
 * The frame limit, in bytes of UTF-8: a sender refuses to send a longer line,
 * and a reader drops one with more characters (never more than its bytes)
 * whole, so a peer cannot make it buffer without end. A process holds a
 * line, and what JSON.parse makes of it, at once: well under its heap (192
 * MB) it must be.
 */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

/** Batches are cut at this many bytes of rows, whatever the row count, so that a batch stays far below the frame limit. */
export const MAX_BATCH_BYTES = 4 * 1024 * 1024;

/** A row longer than this (its JSON, in UTF-8) cannot go in a message: it goes as a marker, and is rejected as row_too_large. */
export const MAX_ROW_BYTES = MAX_LINE_BYTES - 64 * 1024;

/**
 * Splits a byte stream into lines. Multi-byte characters split across
 * chunks are kept whole; an over-long line is reported once and skipped.
 */
export class LineDecoder {
  readonly #decoder = new StringDecoder('utf8');
  #parts: string[] = [];
  #length = 0;
  #overflow = false;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly onOverflow: () => void,
    private readonly maxChars = MAX_LINE_BYTES,
  ) {}

  write(chunk: Buffer | string): void {
    let text = typeof chunk === 'string' ? chunk : this.#decoder.write(chunk);
    for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n')) {
      this.#append(text.slice(0, newline));
      const line = this.#overflow ? undefined : this.#parts.join('');
      this.#parts = [];
      this.#length = 0;
      this.#overflow = false;
      text = text.slice(newline + 1);
      if (line !== undefined && line.trim() !== '') this.onLine(line);
    }
    this.#append(text);
  }

  #append(text: string): void {
    if (this.#overflow || text === '') return;
    this.#length += text.length;
    if (this.#length > this.maxChars) {
      this.#overflow = true;
      this.#parts = [];
      this.onOverflow();
      return;
    }
    this.#parts.push(text);
  }
}

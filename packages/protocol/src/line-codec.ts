import { randomUUID } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';

/** Stands in for encoded JSON while a message is stringified; no value of a message can guess it. */
const SLOT_VALUE = `\u0000encoded:${randomUUID()}`;
const SLOT = JSON.stringify(SLOT_VALUE);
/** The texts of the EncodedJson values met while encodeLine stringifies one message. */
let slotted: string[] = [];

/**
 * A value already encoded as JSON, sent as it is. The orchestrator encodes a
 * batch's rows once and keeps only the text until the batch is acknowledged:
 * thousands of row objects kept alive for that long would be copied by every
 * garbage collection in between.
 */
export class EncodedJson {
  constructor(readonly text: string) {}

  toJSON(): string {
    slotted.push(this.text);
    return SLOT_VALUE;
  }
}

/** A message is one line of JSON: readable on the wire, and `socat` can speak it. */
export function encodeLine(message: unknown): string {
  slotted = [];
  const text = JSON.stringify(message);
  if (slotted.length === 0) return `${text}\n`;
  const texts = slotted;
  let next = 0;
  return `${text.replaceAll(SLOT, () => texts[next++] as string)}\n`;
}

/** Lines longer than this are dropped whole, so a peer cannot make us buffer without end. */
export const MAX_LINE_CHARS = 64 * 1024 * 1024;

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
    private readonly maxChars = MAX_LINE_CHARS,
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

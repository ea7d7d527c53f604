/**
 * UTF-8 bytes that rows' JSON is written into, growing as needed: a batch
 * being gathered. A source that knows its rows' shape (the generator) writes
 * them here itself, a number's digits and fixed text as bytes, rather than
 * as strings: a string per row, and the text of each of its numbers, were
 * most of what the orchestrator allocated, and its garbage collections a
 * tenth of its work.
 */
export class JsonBytes {
  bytes: Buffer;
  length = 0;

  constructor(capacity = 64 * 1024) {
    this.bytes = Buffer.allocUnsafe(capacity);
  }

  /** Fixed text, as bytes made once with `ascii()`. */
  put(text: Uint8Array): this {
    this.#room(text.length);
    const { bytes } = this;
    let at = this.length;
    // A short copy by hand: TypedArray.set costs more than these few bytes.
    for (let k = 0; k < text.length; k++) bytes[at++] = text[k] as number;
    this.length = at;
    return this;
  }

  byte(value: number): this {
    this.#room(1);
    this.bytes[this.length++] = value;
    return this;
  }

  /** A whole number from 0 to 2^53 - 1, as JSON writes it. */
  int(value: number): this {
    const digits = digitsOf(value);
    this.#room(digits);
    const { bytes } = this;
    let at = this.length + digits;
    this.length = at;
    // Below 2^31, in 32-bit integers, which V8 divides by 10 without a division.
    let rest = value;
    for (; rest >= 2 ** 31; rest = Math.floor(rest / 10)) bytes[--at] = 0x30 + (rest % 10);
    rest |= 0;
    do {
      const tens = (rest / 10) | 0;
      bytes[--at] = 0x30 + rest - 10 * tens;
      rest = tens;
    } while (rest > 0);
    return this;
  }

  /** A whole number of hundredths as JSON writes `value / 100`: 1234 as 12.34, 1230 as 12.3, 1200 as 12. */
  hundredths(value: number): this {
    this.int(Math.floor(value / 100));
    const fraction = value % 100;
    if (fraction === 0) return this;
    this.byte(0x2e).byte(0x30 + Math.floor(fraction / 10));
    return fraction % 10 === 0 ? this : this.byte(0x30 + (fraction % 10));
  }

  /** Any text, as UTF-8. */
  text(text: string): this {
    this.#room(3 * text.length); // a UTF-16 unit is at most 3 bytes of UTF-8
    this.length += this.bytes.write(text, this.length);
    return this;
  }

  /** The text of the bytes from `start` on. */
  toString(start = 0): string {
    return this.bytes.toString('utf8', start, this.length);
  }

  #room(more: number): void {
    if (this.length + more <= this.bytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.length + more, 2 * this.bytes.length));
    this.bytes.copy(grown, 0, 0, this.length);
    this.bytes = grown;
  }
}

function digitsOf(value: number): number {
  let digits = 1;
  for (let bound = 10; value >= bound && digits < 16; bound *= 10) digits++;
  return digits;
}

/** Fixed ASCII text as bytes, for JsonBytes.put. */
export const ascii = (text: string): Uint8Array => Buffer.from(text, 'latin1');

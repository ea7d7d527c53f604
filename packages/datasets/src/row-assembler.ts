import Assembler from 'stream-json/core/assembler.js';
import { holds, overflows } from './overflow.js';
import { RowText } from './source.js';

/** A number a double cannot hold, as written: it stands where JSON.parse would put Infinity. */
class Written {
  constructor(readonly text: string) {}
}

/**
 * Makes rows from their tokens with stream-json's Assembler, which makes
 * values as JSON.parse does (a "__proto__" key an own property, the last of
 * duplicate keys kept), save that a number a double cannot hold is kept as
 * written, so that such a row can be given as its text.
 */
export class RowAssembler extends Assembler {
  #overflowed = false;

  override numberValue(text: string): void {
    if (!overflows(text)) super.numberValue(text);
    else {
      this.#overflowed = true;
      // stringValue places the value it is given, as it is.
      super.stringValue(new Written(text) as unknown as string);
    }
  }

  /** The row just completed: as JSON.parse makes it, or a RowText when a number in it overflowed. */
  row(): unknown {
    const row = this.current;
    if (!this.#overflowed) return row;
    this.#overflowed = false;
    // A duplicate key may have replaced the number, as it would in JSON.parse.
    return holds(row, (item) => item instanceof Written) ? new RowText(jsonText(row)) : row;
  }
}

/** Pieces of text are joined this many at a time: one string grown a piece at a time keeps every piece. */
const JOIN = 4096;

/**
 * A row's JSON text, each Written number as written and everything else as
 * JSON.stringify writes it. A frame per open container rather than a call,
 * as a row may nest deeper than the call stack goes.
 */
function jsonText(row: unknown): string {
  let text = '';
  let pieces: string[] = [];
  const add = (piece: string) => {
    pieces.push(piece);
    if (pieces.length === JOIN) {
      text += pieces.join('');
      pieces = [];
    }
  };
  const frames: { container: object; keys: string[] | undefined; next: number }[] = [];
  const write = (value: unknown) => {
    if (value instanceof Written) add(value.text);
    else if (Array.isArray(value)) {
      add('[');
      frames.push({ container: value, keys: undefined, next: 0 });
    } else if (typeof value === 'object' && value !== null) {
      add('{');
      frames.push({ container: value, keys: Object.keys(value), next: 0 });
    } else add(JSON.stringify(value));
  };
  write(row);
  for (let frame = frames.at(-1); frame !== undefined; frame = frames.at(-1)) {
    const { container, keys, next } = frame;
    if (next === (keys ?? (container as unknown[])).length) {
      add(keys === undefined ? ']' : '}');
      frames.pop();
      continue;
    }
    frame.next++;
    if (next > 0) add(',');
    if (keys === undefined) write((container as unknown[])[next]);
    else {
      const key = keys[next] as string;
      add(`${JSON.stringify(key)}:`);
      write((container as Record<string, unknown>)[key]);
    }
  }
  return text + pieces.join('');
}

import { RowText } from './source.js';

/** Whether a JSON number's text is one a double cannot hold: JSON.parse and Number() make it Infinity or -Infinity. */
export function overflows(number: string): boolean {
  return !Number.isFinite(Number(number));
}

/**
 * A number overflows only when its integer digits and its exponent add up
 * to 309 or more, so it has 155 digits in a row or an exponent of 100 or
 * more. Text with neither (nearly every row) need not be walked.
 */
const MAY_OVERFLOW = /\d{155}|[eE]\+?0*[1-9]\d\d/;

/**
 * One JSON text as a row: the value JSON.parse gives, or a RowText of the
 * text when a number in it overflowed (JSON has no Infinity of its own, so
 * an infinite number in the value is one). Throws what JSON.parse throws.
 */
export function jsonRow(text: string): unknown {
  const value: unknown = JSON.parse(text);
  return MAY_OVERFLOW.test(text) && holdsInfinity(value) ? new RowText(text.trim()) : value;
}

export function holdsInfinity(value: unknown): boolean {
  return holds(value, (item) => typeof item === 'number' && !Number.isFinite(item));
}

/** Whether a value, or anything in it, passes `test`; walked with a stack, as a row may nest deeper than the call stack goes. */
export function holds(value: unknown, test: (item: unknown) => boolean): boolean {
  const pending = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (test(next)) return true;
    if (typeof next === 'object' && next !== null) for (const item of Object.values(next)) pending.push(item);
  }
  return false;
}

import { InvalidArgumentError } from 'commander';
import { closest } from './closest.js';

/** Option values as commander parses them: each parser refuses what it cannot take with the reason. */

export function wholeNumber(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(value) || value < 0)
    throw new InvalidArgumentError('It takes a whole number, 0 or more.');
  return value;
}

export function positiveNumber(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(value) || value < 1)
    throw new InvalidArgumentError('It takes a whole number, 1 or more.');
  return value;
}

/** A number from 0 to 1. */
export function share(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !(value >= 0 && value <= 1)) throw new InvalidArgumentError('It takes a number from 0 to 1.');
  return value;
}

/** `key=value,...` with keys from `keys`, each at most once; repeated options add up. */
export function pairs<K extends string>(
  keys: readonly K[],
): (text: string, previous?: Partial<Record<K, string>>) => Partial<Record<K, string>> {
  return (text, previous = {}) => {
    const result: Partial<Record<K, string>> = { ...previous };
    for (const part of text.split(',')) {
      const [key, value, ...rest] = part.split('=');
      if (key === undefined || value === undefined || value === '' || rest.length > 0) {
        throw new InvalidArgumentError(`It takes ${keys.map((k) => `${k}=…`).join(',')}, not ${JSON.stringify(part)}.`);
      }
      if (!keys.includes(key as K)) {
        const near = closest(key, keys);
        throw new InvalidArgumentError(`${JSON.stringify(key)} is not one of ${keys.join(', ')}${near ? ` (did you mean ${near}?)` : ''}.`);
      }
      if (result[key as K] !== undefined) throw new InvalidArgumentError(`"${key}" is given twice.`);
      result[key as K] = value;
    }
    return result;
  };
}

/** One of `values`; a value that is none gets the closest (like commander's choices, which list them all instead). */
export function oneOf<T extends string>(values: readonly T[]): (text: string) => T {
  return (text) => {
    if (values.includes(text as T)) return text as T;
    const near = closest(text, values);
    throw new InvalidArgumentError(near ? `Did you mean ${near}?` : `It takes one of ${values.join(', ')}.`);
  };
}

/** A port of this machine to listen on, 0 for any free one. */
export function port(text: string): number {
  const value = wholeNumber(text);
  if (value > 65535) throw new InvalidArgumentError('It takes a port, up to 65535 (0: any free one).');
  return value;
}

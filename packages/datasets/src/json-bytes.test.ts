import { describe, expect, it } from 'vitest';
import { ascii, JsonBytes } from './json-bytes.js';

const written = (write: (out: JsonBytes) => void) => {
  const out = new JsonBytes(4);
  write(out);
  return out.toString();
};

describe('JsonBytes', () => {
  it('writes whole numbers as JSON does, up to the largest safe integer', () => {
    const numbers = [0, 7, 10, 99, 100, 12345, 1_000_000, 2 ** 31, 2 ** 53 - 1, 9_007_199_254_740_990];
    expect(numbers.map((n) => written((out) => out.int(n)))).toEqual(numbers.map(String));
  });

  it('writes hundredths as JSON writes the number divided by 100', () => {
    const values = [...Array.from({ length: 20_000 }, (_, i) => i), 10_000_000, 9_999_999, 1_234_567, 1_000_001];
    for (const value of values) expect(written((out) => out.hundredths(value))).toBe(String(value / 100));
  });

  it('grows as it is written, and keeps what it holds', () => {
    const text = 'é€😀'.repeat(1000);
    expect(written((out) => out.put(ascii('{"a":')).int(1).text(text).byte(0x7d))).toBe(`{"a":1${text}}`);
  });
});

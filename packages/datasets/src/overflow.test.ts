import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { holdsInfinity, jsonRow, overflows } from './overflow.js';
import { RowText } from './source.js';

describe('overflows', () => {
  it('is true exactly for the numbers JSON.parse makes infinite', () => {
    const finite = ['1.7976931348623157e308', '1.7976931348623158e308', '9'.repeat(308), '1e-400', '123456789012345678901', '-0'];
    const infinite = ['1.7976931348623159e308', '2e308', '1e309', '-2E+400', '9'.repeat(309), '0.5e00310'];
    expect(finite.map(overflows)).toEqual(finite.map(() => false));
    expect(infinite.map(overflows)).toEqual(infinite.map(() => true));
  });
});

describe('jsonRow', () => {
  const digits = (length: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: length, maxLength: length });
  // Integer digits and exponent often add up to about 309, where numbers start to overflow.
  const number = fc.integer({ min: 1, max: 400 }).chain((length) =>
    fc
      .tuple(
        fc.constantFrom('', '-'),
        fc.oneof(
          fc.constant('0'),
          fc.tuple(fc.constantFrom(...'123456789'), digits(length - 1)).map(([first, rest]) => first + rest),
        ),
        fc.option(fc.integer({ min: 1, max: 30 }).chain((n) => digits(n).map((d) => `.${d}`))),
        fc.option(
          fc
            .tuple(
              fc.constantFrom('e', 'E'),
              fc.constantFrom('', '+', '-'),
              fc.constantFrom('', '0', '00'),
              fc.oneof(fc.integer({ min: 0, max: 700 }), fc.integer({ min: Math.max(0, 300 - length), max: Math.max(0, 312 - length) })),
            )
            .map((parts) => parts.join('')),
        ),
      )
      .map(([sign, integer, fraction, exponent]) => `${sign}${integer}${fraction ?? ''}${exponent ?? ''}`),
  );

  it('gives a RowText of the text exactly when a number in it overflows, whatever its digits and exponent', () => {
    fc.assert(
      fc.property(number, (n) => {
        const text = `{"a": [1, {"b": ${n}}]}`;
        expect(jsonRow(text)).toStrictEqual(overflows(n) ? new RowText(text) : JSON.parse(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('trims the text it keeps, and leaves a string that only looks like such a number alone', () => {
    expect(jsonRow(' [1e309] \r')).toStrictEqual(new RowText('[1e309]'));
    expect(jsonRow('{"s": "1e309"}')).toStrictEqual({ s: '1e309' });
  });
});

describe('holdsInfinity', () => {
  it('finds an infinite number at any depth, deeper than the call stack goes', () => {
    let deep: unknown = [Number.NEGATIVE_INFINITY];
    for (let i = 0; i < 100_000; i++) deep = { a: [deep] };
    expect(holdsInfinity(deep)).toBe(true);
    expect(holdsInfinity({ a: [1, { b: Number.MAX_VALUE }], c: 'Infinity' })).toBe(false);
  });
});

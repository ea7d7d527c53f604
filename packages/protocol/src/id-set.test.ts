import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdSet } from './id-set.js';

describe('IdSet', () => {
  it('holds exactly the ids added, in any order, sparse or dense, small or huge', () => {
    const id = fc.oneof(fc.integer({ min: 1, max: 70_000 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }));
    fc.assert(
      fc.property(fc.array(id, { maxLength: 300 }), fc.array(id, { maxLength: 50 }), (added, probes) => {
        const set = new IdSet();
        for (const value of added) set.add(value);
        const expected = new Set(added);
        expect(set.size).toBe(expected.size);
        for (const value of [...added, ...probes]) expect(set.has(value)).toBe(expected.has(value));
      }),
    );
  });

  it('answers the same once a block of ids added in any order turns into a bitmap', () => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray(
          Array.from({ length: 3000 }, (_, i) => 70_000 + 7 * i),
          { minLength: 1100 },
        ),
        (added) => {
          const set = new IdSet();
          for (const value of added) set.add(value);
          const expected = new Set(added);
          expect(set.size).toBe(expected.size);
          const wrong: number[] = [];
          for (let value = 69_990; value < 91_010; value++) if (set.has(value) !== expected.has(value)) wrong.push(value);
          expect(wrong).toEqual([]);
        },
      ),
      { numRuns: 20 },
    );
  });

  it('keeps a block dense with ids as a bitmap, with the same answers', () => {
    const set = new IdSet();
    for (let value = 1; value <= 10_000; value += 2) set.add(value);
    set.add(10_000);
    expect(set.size).toBe(5001);
    expect([set.has(9999), set.has(9998), set.has(10_000), set.has(10_001)]).toEqual([true, false, true, false]);
  });
});

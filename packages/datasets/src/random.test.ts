import { describe, expect, it } from 'vitest';
import { Random } from './random.js';

const draws = (random: Random) => Array.from({ length: 8 }, () => random.next());

describe('Random', () => {
  it('gives a stream’s items, from one reused generator, the sequences their own generators draw', () => {
    const item = Random.items(7, 'orders');
    // Indexes whose states lie above 2^31 as well as below: the state is kept as a signed 32-bit integer.
    for (const index of [0, 1, 2, 999_999, 2 ** 31 + 5, 4_000_000_000]) {
      expect(draws(item(index))).toEqual(draws(new Random(7, 'orders', index)));
    }
  });

  it('draws the same sequence for the same seed and stream, and another for another stream', () => {
    expect(draws(new Random(1, 'users'))).toEqual(draws(new Random(1, 'users')));
    expect(draws(new Random(1, 'users'))).not.toEqual(draws(new Random(1, 'products')));
  });
});

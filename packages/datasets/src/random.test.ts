import { describe, expect, it } from 'vitest';
import { Random } from './random.js';

const draws = (random: Random, count = 8) => Array.from({ length: count }, () => Math.floor(random.next() * 2 ** 32));

describe('Random', () => {
  it('draws the sequences it always drew: data sets and fault schedules named by a seed stay the same', () => {
    expect(draws(new Random(7, 'nemesis'), 3)).toEqual([3603815095, 1141925892, 810547744]);
    expect(draws(new Random(7, 'orders', 0), 3)).toEqual([860883998, 450531093, 3933845026]);
    expect(draws(new Random(7, 'orders', 4e9), 3)).toEqual([1907442709, 3173099939, 2644188716]);
  });

  it('gives a stream’s items, from one reused generator, the sequences their own generators draw', () => {
    const item = Random.items(7, 'orders');
    for (const index of [0, 1, 2, 999_999, 4e9]) expect(draws(item(index))).toEqual(draws(new Random(7, 'orders', index)));
  });
});

import { describe, expect, it } from 'vitest';
import { FoundCache } from './found-cache.js';

describe('FoundCache', () => {
  it('remembers the ids answered found', () => {
    const cache = new FoundCache(1, 10);
    cache.add([3, 5]);
    expect([cache.has(3), cache.has(5), cache.has(4)]).toEqual([true, true, false]);
  });

  it('never holds more than its capacity, starting over when full', () => {
    const cache = new FoundCache(1, 3);
    cache.add([1, 2, 3, 4]);
    expect(cache.size).toBe(1);
    expect([cache.has(1), cache.has(4)]).toEqual([false, true]);
  });
});

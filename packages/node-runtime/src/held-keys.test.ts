import { describe, expect, it } from 'vitest';
import { HeldKeys } from './held-keys.js';

describe('HeldKeys', () => {
  it('holds nothing and says so until a row is held', () => {
    const held = new HeldKeys(2);
    expect(held.any).toBe(false);
    expect(held.has(0, 1)).toBe(false);
    held.hold([5, undefined]);
    expect(held.any).toBe(true);
  });

  it('finds each held key under its own unique key, numbers below the largest held and above it alike', () => {
    const held = new HeldKeys(2);
    held.hold([9, 'a@x']);
    held.hold([4, undefined]);
    expect([3, 4, 5, 9, 10].map((id) => held.has(0, id))).toEqual([false, true, false, true, false]);
    expect(held.has(1, 'a@x')).toBe(true);
    expect(held.has(1, 'b@x')).toBe(false);
    expect(held.has(1, 9)).toBe(false);
  });
});

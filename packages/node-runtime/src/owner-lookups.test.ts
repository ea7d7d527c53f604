import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OwnerLookups, PARTIAL_WAIT_MS } from './owner-lookups.js';
import type { NodeStore } from './store.js';
import { testNode } from './test-table.js';
import { answers, openTempStore } from './testing.js';

let store: NodeStore;
let cleanup: () => void;
let lookups: OwnerLookups;
const owned = answers({ owner_id: [1] });

beforeEach(() => {
  ({ store, cleanup } = openTempStore(testNode));
  lookups = new OwnerLookups(store);
});
afterEach(() => cleanup());

function commit(producer: number, offset: number, rows: unknown[], seal = false): void {
  const result = store.apply({ producer, offset, rows, seal }, owned);
  expect(result.kind).toBe('applied');
  lookups.committed();
}

describe('OwnerLookups', () => {
  it('names the ids the table does not hold', () => {
    commit(1, 0, [
      { id: 1, label: 'a', owner_id: 1 },
      { id: 2, label: 'a', owner_id: 1 },
    ]);
    const replies: number[][] = [];
    lookups.lookup(undefined, [1, 2, 3], false, (missing) => replies.push(missing));
    expect(replies).toEqual([[2, 3]]);
  });

  it('answers at once when every id is already held', () => {
    commit(1, 0, [{ id: 1, label: 'a', owner_id: 1 }]);
    const replies: number[][] = [];
    lookups.lookup(1, [1], false, (missing) => replies.push(missing));
    expect(replies).toEqual([[]]);
  });

  it('holds an undecided id until a later batch brings it', () => {
    const replies: number[][] = [];
    lookups.lookup(1, [2, 1], false, (missing) => replies.push(missing));
    commit(1, 0, [{ id: 1, label: 'a', owner_id: 1 }]);
    expect(replies).toEqual([]);
    commit(1, 1, [{ id: 2, label: 'b', owner_id: 1 }]);
    expect(replies).toEqual([[]]);
    expect(lookups.size).toBe(0);
  });

  it('judges an id missing only once the stream is sealed', () => {
    const replies: number[][] = [];
    lookups.lookup(1, [1, 5], false, (missing) => replies.push(missing));
    commit(1, 0, [{ id: 1, label: 'a', owner_id: 1 }]);
    expect(replies).toEqual([]);
    commit(1, 1, [], true);
    expect(replies).toEqual([[5]]);
  });

  it('counts a rejected row as not found', () => {
    const replies: number[][] = [];
    lookups.lookup(1, [3], false, (missing) => replies.push(missing));
    commit(1, 0, [{ id: 3, label: '', owner_id: 1 }], true);
    expect(replies).toEqual([[3]]);
  });

  it("decides an older producer's lookup once a newer producer has begun", () => {
    commit(1, 0, [{ id: 1, label: 'a', owner_id: 1 }]);
    commit(2, 0, []);
    const replies: number[][] = [];
    lookups.lookup(1, [1, 9], false, (missing) => replies.push(missing));
    expect(replies).toEqual([[9]]);
  });

  it('answers a partial lookup at once when it holds every id, or once the stream has ended', () => {
    commit(1, 0, [{ id: 1, label: 'a', owner_id: 1 }]);
    const replies: [number[], number[] | undefined][] = [];
    lookups.lookup(1, [1], true, (missing, undecided) => replies.push([missing, undecided]));
    commit(1, 1, [], true);
    lookups.lookup(1, [5, 1], true, (missing, undecided) => replies.push([missing, undecided]));
    expect(replies).toEqual([
      [[], []],
      [[5], []],
    ]);
    expect(lookups.size).toBe(0);
  });

  it('answers a partial lookup with ids not held at the next commit, naming those still undecided', () => {
    const replies: [number[], number[] | undefined][] = [];
    lookups.lookup(1, [7, 5, 1], true, (missing, undecided) => replies.push([missing, undecided]));
    expect(replies).toEqual([]);
    expect(lookups.size).toBe(1);
    commit(1, 0, [
      { id: 1, label: 'a', owner_id: 1 },
      { id: 5, label: 'b', owner_id: 1 },
    ]);
    expect(replies).toEqual([[[], [7]]]);
    expect(lookups.size).toBe(0);
  });

  it('answers a waiting partial lookup as it stands when no commit comes', async () => {
    vi.useFakeTimers();
    try {
      const replies: [number[], number[] | undefined][] = [];
      lookups.lookup(1, [5], true, (missing, undecided) => replies.push([missing, undecided]));
      vi.advanceTimersByTime(PARTIAL_WAIT_MS - 1);
      expect(replies).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(replies).toEqual([[[], [5]]]);
      commit(1, 0, [{ id: 5, label: 'a', owner_id: 1 }]);
      expect(replies).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { owners, testNode, thing, useThings } from './test-table.js';
import { openTempStore } from './testing.js';

const { temp, apply } = useThings();

describe('reads', () => {
  it('keeps stats and rejections per producer', () => {
    apply(0, [thing(1), thing(1, 'other'), null]);
    apply(0, [thing(1, 'new')], owners(1), 2);
    expect(temp.store.reads.stats(1)).toEqual({ received: 3, inserted: 1, rejected: 2, reasons: { row_malformed: 1, id_duplicate: 1 } });
    expect(temp.store.reads.stats(2)).toEqual({ received: 1, inserted: 0, rejected: 1, reasons: { id_duplicate: 1 } });
    expect(temp.store.reads.rejections(1, 1, 10).map((r) => r.position)).toEqual([2]);
    expect(temp.store.reads.rejections(1, -1, 1).map((r) => r.position)).toEqual([1]);
  });

  it('fingerprints what the table holds, however the rows were batched', () => {
    const rows = [thing(1), thing(1, 'again'), thing(2), null];
    apply(0, rows.slice(0, 1));
    apply(1, rows.slice(1));
    const other = openTempStore(testNode);
    try {
      other.store.apply({ producer: 1, offset: 0, rows }, owners(1));
      expect(other.store.reads.digest()).toEqual(temp.store.reads.digest());
      other.store.apply({ producer: 1, offset: 4, rows: [thing(3)] }, owners(1));
      expect(other.store.reads.digest().sha256).not.toBe(temp.store.reads.digest().sha256);
    } finally {
      other.cleanup();
    }
  });
});

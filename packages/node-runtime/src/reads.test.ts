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

  it('counts each reason a rejected row has once, in canonical order, and none for a producer without rejections', () => {
    // Empty label and a missing owner; a repeated id; an unknown field and a missing owner; the same again.
    apply(0, [thing(1, '', 9), thing(2), thing(2, 'b'), { ...thing(3, 'c', 9), extra: 1 }, { ...thing(4, 'd', 9), extra: 2 }]);
    expect(temp.store.reads.stats(1).reasons).toEqual({ field_unknown: 2, id_duplicate: 1, name_empty: 1, user_missing: 3 });
    expect(Object.keys(temp.store.reads.stats(1).reasons)).toEqual(['field_unknown', 'id_duplicate', 'name_empty', 'user_missing']);
    expect(temp.store.reads.stats(7)).toEqual({ received: 0, inserted: 0, rejected: 0, reasons: {} });
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

import { describe, expect, it } from 'vitest';
import { owners, thing, useThings } from './test-table.js';

const { temp, apply } = useThings();

describe('the ledger: exactly once', () => {
  it('answers a redelivered batch from its record and changes nothing', () => {
    const first = apply(0, [thing(1), thing(1)]);
    const again = temp.store.apply({ producer: 1, offset: 0, rows: [thing(1), thing(1)] }, owners(1));
    expect(again).toEqual({ kind: 'repeat', outcome: first.outcome });
    expect(temp.store.reads.counts()).toEqual({ rows: 1, rejected: 1 });
  });

  it('refuses a batch that skips ahead of the high-water mark', () => {
    apply(0, [thing(1)]);
    expect(temp.store.apply({ producer: 1, offset: 5, rows: [thing(2)] })).toEqual({ kind: 'out_of_order', expected: 1, sealed: false });
    expect(temp.store.reads.counts().rows).toBe(1);
  });

  it('ends a stream with a seal, or when a newer producer begins', () => {
    apply(0, [thing(1)]);
    expect(temp.store.ledger.streamEnded(1)).toBe(false);
    apply(1, [], owners(), 1, true);
    expect(temp.store.ledger.streamEnded(1)).toBe(true);
    expect(temp.store.apply({ producer: 1, offset: 2, rows: [thing(2)] })).toMatchObject({ kind: 'out_of_order', sealed: true });
    apply(0, [thing(2)], owners(1), 2);
    expect(temp.store.ledger.latest()).toEqual({ producer: 2, offset: 1, sealed: false });
  });
});

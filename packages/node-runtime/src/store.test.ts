import { describe, expect, it } from 'vitest';
import type { Resolved } from './judge.js';
import { owners, reasonsOf, testNode, thing, useThings } from './test-table.js';
import { answers, openTempStore } from './testing.js';

const { temp, apply } = useThings();

describe('NodeStore held-back rows', () => {
  /** Owner 5 is not decided yet: its owner's stream may still bring it. */
  const pending = answers({ owner_id: [1] }, { owner_id: [5] });

  /** What a node does at the seal: decides the held-back rows, two at a time here, then applies the sealing batch. */
  function seal(offset: number, resolved: Resolved, rows: unknown[] = [], producer = 1) {
    const decided: { rejections: [number, string[]][]; accepted: number } = { rejections: [], accepted: 0 };
    for (let page = temp.store.heldBack(producer, offset, 2); page.length > 0; page = temp.store.heldBack(producer, offset, 2)) {
      const { rejections, accepted } = temp.store.decideHeldBack(producer, offset, page, resolved);
      decided.rejections.push(...rejections.map((r): [number, string[]] => [r.position, r.reasons]));
      decided.accepted += accepted;
    }
    const own = apply(offset, rows, resolved, producer, true);
    return { decided, own };
  }

  it('holds back a row whose reference is undecided, acknowledging its batch, and decides it before the seal', () => {
    const first = apply(0, [thing(1, 'a', 5), thing(2, 'b', 1)], pending);
    expect(first.outcome).toEqual({ offset: 0, count: 2, inserted: 1, rejected: 0, deferred: 1 });
    expect([...temp.store.reads.ids()]).toEqual([2]);
    expect(temp.store.reads.stats(1)).toMatchObject({ received: 2, inserted: 1, rejected: 0 });
    const { decided, own } = seal(2, owners(1, 5));
    expect(decided).toEqual({ rejections: [], accepted: 1 });
    expect([...temp.store.reads.ids()]).toEqual([1, 2]);
    expect(own.outcome).toEqual({ offset: 2, count: 0, inserted: 0, rejected: 0, deferred: 0 });
    expect(temp.store.reads.stats(1)).toEqual({ received: 2, inserted: 2, rejected: 0, reasons: {} });
  });

  it('holds back later rows sharing a key with a held-back row, so the first in the stream wins it', () => {
    const rows = [thing(1, 'a', 5), thing(1, 'b'), thing(2, 'A'), thing(3, 'c')];
    expect(apply(0, rows, pending).outcome).toMatchObject({ inserted: 1, deferred: 3 });
    const { decided } = seal(4, owners(1, 5));
    expect(decided).toEqual({
      rejections: [
        [1, ['id_duplicate']],
        [2, ['email_duplicate']],
      ],
      accepted: 1,
    });
    expect([...temp.store.reads.ids()]).toEqual([1, 3]);
  });

  it('lets a later row have the key when the held-back row turns out missing, the seal deciding its own rows last', () => {
    apply(0, [thing(1, 'a', 5), thing(1, 'b')], pending);
    const { decided, own } = seal(2, owners(1), [thing(1, 'c')]);
    expect(decided.rejections).toEqual([[0, ['user_missing']]]);
    expect(reasonsOf(own)).toEqual([[2, ['id_duplicate']]]);
    expect([...temp.store.reads.rejectionsDecidedBy(1, 2)].map((r) => r.position)).toEqual([0, 2]);
    expect(temp.store.reads.stats(1)).toMatchObject({ received: 3, inserted: 1, rejected: 2 });
  });

  it('gives none to decide before every batch ahead of the seal is applied, and refuses a seal while any are held', () => {
    apply(0, [thing(1, 'a', 5)], pending);
    expect(temp.store.heldBack(1, 5, 10)).toEqual([]);
    expect(temp.store.heldBack(1, 1, 10)).toEqual([{ position: 0, row: thing(1, 'a', 5), text: JSON.stringify(thing(1, 'a', 5)) }]);
    expect(() => temp.store.apply({ producer: 1, offset: 1, rows: [], seal: true }, owners(1, 5))).toThrow(/held-back rows/);
  });

  it('remembers held-back keys across a restart', () => {
    apply(0, [thing(1, 'a', 5)], pending);
    temp.reopen();
    expect(apply(1, [thing(1, 'b')], pending).outcome).toMatchObject({ inserted: 0, deferred: 1 });
    expect(seal(2, owners(1, 5)).decided.rejections).toEqual([[1, ['id_duplicate']]]);
  });

  it('gives the same outcome whether or not rows were held back', () => {
    const rows = [thing(1, 'a', 5), thing(1, 'b'), thing(2, 'A', 6), thing(3, 'c', 5), thing(4, 'd', 7)];
    apply(0, rows.slice(0, 2), pending);
    apply(2, rows.slice(2), answers({ owner_id: [1] }, { owner_id: [5, 6, 7] }));
    seal(5, owners(1, 5));
    const direct = openTempStore(testNode);
    try {
      direct.store.apply({ producer: 1, offset: 0, rows, seal: true }, owners(1, 5));
      expect(temp.store.reads.digest()).toEqual(direct.store.reads.digest());
      expect(temp.store.reads.stats(1)).toEqual(direct.store.reads.stats(1));
    } finally {
      direct.cleanup();
    }
  });
});

describe('NodeStore records', () => {
  it('records every rejected and held-back row of a transaction, however many and however long, many to a statement', () => {
    const long = 'x'.repeat(3 * 1024 * 1024);
    // 150 rows missing their owner, one of them megabytes long, and 70 held back: more than a statement takes of each.
    const rows = [
      ...Array.from({ length: 150 }, (_, i) => thing(i + 1, i === 75 ? long : `m${i}`, 9)),
      ...Array.from({ length: 70 }, (_, i) => thing(1000 + i, `h${i}`, 5)),
    ];
    const { outcome, rejections } = apply(0, rows, answers({ owner_id: [1] }, { owner_id: [5] }));
    expect(outcome).toMatchObject({ count: 220, rejected: 150, deferred: 70 });
    const recorded = [...temp.store.reads.rejectionsDecidedBy(1, 0)];
    expect(recorded.map((r) => r.position)).toEqual(rejections.map((r) => r.position));
    expect(recorded.map((r) => r.position)).toEqual(Array.from({ length: 150 }, (_, i) => i));
    expect(JSON.parse(recorded[75]?.row ?? '').label).toBe(long);
    expect(temp.store.heldBack(1, 220, 100).map((held) => held.position)).toEqual(Array.from({ length: 70 }, (_, i) => 150 + i));
  });
});

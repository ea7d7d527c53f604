import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NodeStore, type Resolved } from './store.js';
import { TEST_MIGRATIONS, thingsSpec } from './test-table.js';
import { answers, openTempStore } from './testing.js';

const owners = (...ids: number[]): Resolved => answers({ owner_id: ids });
const thing = (id: unknown, label: unknown = `t${String(id)}`, owner_id: unknown = 1) => ({ id, label, owner_id });

let store: NodeStore;
let file: string;
let cleanup: () => void;

beforeEach(() => {
  ({ store, file, cleanup } = openTempStore(thingsSpec, TEST_MIGRATIONS));
});
afterEach(() => cleanup());

function apply(offset: number, rows: unknown[], resolved = owners(1), producer = 1, seal = false) {
  const result = store.apply({ producer, offset, rows, seal }, resolved);
  if (result.kind !== 'applied') throw new Error(`expected applied, got ${result.kind}`);
  return result;
}

const reasonsOf = (result: ReturnType<typeof apply>) => result.rejections.map((r) => [r.position, r.reasons]);

describe('NodeStore.apply validation', () => {
  it('inserts valid rows and reports them accepted', () => {
    const result = apply(0, [thing(1), thing(2)]);
    expect(result.outcome).toEqual({ offset: 0, count: 2, inserted: 2, rejected: 0, deferred: 0 });
    expect(result.acceptedIds).toEqual([1, 2]);
    expect(store.counts()).toEqual({ rows: 2, rejected: 0 });
  });

  it('rejects a row that is not an object as row_malformed', () => {
    const result = apply(0, [null, 7, 'x', [1]]);
    expect(reasonsOf(result)).toEqual([
      [0, ['row_malformed']],
      [1, ['row_malformed']],
      [2, ['row_malformed']],
      [3, ['row_malformed']],
    ]);
  });

  it('names missing, mistyped and unknown fields, an own __proto__ key included', () => {
    const hostile = JSON.parse('{"id": 3, "label": "x", "owner_id": 1, "__proto__": {"polluted": true}}');
    const result = apply(0, [{ id: 1, label: 'a' }, { id: 2, label: 5, owner_id: 1 }, { ...thing(4), extra: 1 }, hostile]);
    expect(reasonsOf(result)).toEqual([
      [0, ['field_missing']],
      [1, ['field_type']],
      [2, ['field_unknown']],
      [3, ['field_unknown']],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects ids that are not positive safe integers as id_invalid', () => {
    const result = apply(0, [thing(0), thing(-1), thing(1.5), thing(2 ** 53)]);
    expect(result.rejections.map((r) => r.reasons)).toEqual([['id_invalid'], ['id_invalid'], ['id_invalid'], ['id_invalid']]);
  });

  it('rejects a repeated id within a batch and across batches, the first occurrence winning', () => {
    const first = apply(0, [thing(1, 'a'), thing(1, 'b')]);
    const second = apply(2, [thing(1, 'c')]);
    expect(reasonsOf(first)).toEqual([[1, ['id_duplicate']]]);
    expect(reasonsOf(second)).toEqual([[2, ['id_duplicate']]]);
  });

  it('compares unique keys by their key function, case-insensitively here', () => {
    const result = apply(0, [thing(1, 'Lamp'), thing(2, 'LAMP')]);
    expect(reasonsOf(result)).toEqual([[1, ['email_duplicate']]]);
  });

  it('does not let a rejected row claim its id or unique key', () => {
    const result = apply(0, [thing(1, 'a', 99), thing(1, 'a', 1)], owners(1));
    expect(reasonsOf(result)).toEqual([[0, ['user_missing']]]);
    expect(result.acceptedIds).toEqual([1]);
  });

  it('gives a row every reason that applies, in canonical order', () => {
    const result = apply(0, [thing(1, 'a'), { id: 1, label: 'A', owner_id: 2, more: true }]);
    expect(reasonsOf(result)).toEqual([[1, ['field_unknown', 'id_duplicate', 'email_duplicate', 'user_missing']]]);
  });

  it('judges a reference missing unless the owner answered it found', () => {
    const result = apply(0, [thing(1, 'a', 1), thing(2, 'b', 2), thing(3, 'c', -4)], owners(1));
    expect(reasonsOf(result)).toEqual([
      [1, ['user_missing']],
      [2, ['user_missing']],
    ]);
  });

  it('stores the rejected id as given and the row verbatim', () => {
    apply(0, [
      { id: 'seven', label: 'x', owner_id: 1 },
      { id: 7, label: "'; DROP TABLE things; --\u0000", owner_id: 1 },
    ]);
    const [rejected] = store.rejections(1, -1, 10);
    expect(rejected).toEqual({ position: 0, id: 'seven', reasons: ['field_type'], row: { id: 'seven', label: 'x', owner_id: 1 } });
    const db = new Database(file, { readonly: true });
    expect(db.prepare('select id, typeof(id) as type from rejections').get()).toEqual({ id: 'seven', type: 'text' });
    expect(db.prepare('select label from things where id = 7').get()).toEqual({ label: "'; DROP TABLE things; --\u0000" });
    db.close();
  });
});

describe('NodeStore.apply delivery', () => {
  it('answers a redelivered batch from its record and changes nothing', () => {
    const first = apply(0, [thing(1), thing(1)]);
    const again = store.apply({ producer: 1, offset: 0, rows: [thing(1), thing(1)] }, owners(1));
    expect(again).toEqual({ kind: 'repeat', outcome: first.outcome });
    expect(store.counts()).toEqual({ rows: 1, rejected: 1 });
  });

  it('refuses a batch that skips ahead of the high-water mark', () => {
    apply(0, [thing(1)]);
    expect(store.apply({ producer: 1, offset: 5, rows: [thing(2)] })).toEqual({ kind: 'out_of_order', expected: 1, sealed: false });
    expect(store.counts().rows).toBe(1);
  });

  it('ends a stream with a seal, or when a newer producer begins', () => {
    apply(0, [thing(1)]);
    expect(store.streamEnded(1)).toBe(false);
    apply(1, [], owners(), 1, true);
    expect(store.streamEnded(1)).toBe(true);
    expect(store.apply({ producer: 1, offset: 2, rows: [thing(2)] })).toMatchObject({ kind: 'out_of_order', sealed: true });
    apply(0, [thing(2)], owners(1), 2);
    expect(store.latest()).toEqual({ producer: 2, offset: 1, sealed: false });
  });

  it('keeps stats and rejections per producer', () => {
    apply(0, [thing(1), thing(1, 'other'), null]);
    apply(0, [thing(1, 'new')], owners(1), 2);
    expect(store.stats(1)).toEqual({ received: 3, inserted: 1, rejected: 2, reasons: { row_malformed: 1, id_duplicate: 1 } });
    expect(store.stats(2)).toEqual({ received: 1, inserted: 0, rejected: 1, reasons: { id_duplicate: 1 } });
    expect(store.rejections(1, 1, 10).map((r) => r.position)).toEqual([2]);
    expect(store.rejections(1, -1, 1).map((r) => r.position)).toEqual([1]);
  });

  it('finds committed ids and only those', () => {
    apply(0, [thing(1), thing(2, 't1')]);
    expect(store.found([1, 2, 3])).toEqual([1]);
  });

  it('fingerprints what the table holds, however the rows were batched', () => {
    const rows = [thing(1), thing(1, 'again'), thing(2), null];
    apply(0, rows.slice(0, 1));
    apply(1, rows.slice(1));
    const other = openTempStore(thingsSpec, TEST_MIGRATIONS);
    try {
      other.store.apply({ producer: 1, offset: 0, rows }, owners(1));
      expect(other.store.digest()).toEqual(store.digest());
      other.store.apply({ producer: 1, offset: 4, rows: [thing(3)] }, owners(1));
      expect(other.store.digest().sha256).not.toBe(store.digest().sha256);
    } finally {
      other.cleanup();
    }
  });
});

describe('NodeStore held-back rows', () => {
  /** Owner 5 is not decided yet: its owner's stream may still bring it. */
  const pending = answers({ owner_id: [1] }, { owner_id: [5] });

  /** What a node does at the seal: decides the held-back rows, two at a time here, then applies the sealing batch. */
  function seal(offset: number, resolved: Resolved, rows: unknown[] = [], producer = 1) {
    const decided: { rejections: [number, string[]][]; acceptedIds: number[] } = { rejections: [], acceptedIds: [] };
    for (let page = store.heldBack(producer, offset, 2); page.length > 0; page = store.heldBack(producer, offset, 2)) {
      const { rejections, acceptedIds } = store.decideHeldBack(producer, offset, page, resolved);
      decided.rejections.push(...rejections.map((r): [number, string[]] => [r.position, r.reasons]));
      decided.acceptedIds.push(...acceptedIds);
    }
    const own = apply(offset, rows, resolved, producer, true);
    return { decided, own };
  }

  it('holds back a row whose reference is undecided, acknowledging its batch, and decides it before the seal', () => {
    const first = apply(0, [thing(1, 'a', 5), thing(2, 'b', 1)], pending);
    expect(first.outcome).toEqual({ offset: 0, count: 2, inserted: 1, rejected: 0, deferred: 1 });
    expect(store.found([1, 2])).toEqual([2]);
    expect(store.stats(1)).toMatchObject({ received: 2, inserted: 1, rejected: 0 });
    const { decided, own } = seal(2, owners(1, 5));
    expect(decided).toEqual({ rejections: [], acceptedIds: [1] });
    expect(own.outcome).toEqual({ offset: 2, count: 0, inserted: 0, rejected: 0, deferred: 0 });
    expect(store.stats(1)).toEqual({ received: 2, inserted: 2, rejected: 0, reasons: {} });
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
      acceptedIds: [1],
    });
  });

  it('lets a later row have the key when the held-back row turns out missing, the seal deciding its own rows last', () => {
    apply(0, [thing(1, 'a', 5), thing(1, 'b')], pending);
    const { decided, own } = seal(2, owners(1), [thing(1, 'c')]);
    expect(decided.rejections).toEqual([[0, ['user_missing']]]);
    expect(reasonsOf(own)).toEqual([[2, ['id_duplicate']]]);
    expect([...store.rejectionsDecidedBy(1, 2)].map((r) => r.position)).toEqual([0, 2]);
    expect(store.stats(1)).toMatchObject({ received: 3, inserted: 1, rejected: 2 });
  });

  it('gives none to decide before every batch ahead of the seal is applied, and refuses a seal while any are held', () => {
    apply(0, [thing(1, 'a', 5)], pending);
    expect(store.heldBack(1, 5, 10)).toEqual([]);
    expect(store.heldBack(1, 1, 10)).toEqual([{ position: 0, row: thing(1, 'a', 5) }]);
    expect(() => store.apply({ producer: 1, offset: 1, rows: [], seal: true }, owners(1, 5))).toThrow(/held-back rows/);
  });

  it('remembers held-back keys across a restart', () => {
    apply(0, [thing(1, 'a', 5)], pending);
    store.close();
    store = new NodeStore(thingsSpec, file, TEST_MIGRATIONS);
    expect(apply(1, [thing(1, 'b')], pending).outcome).toMatchObject({ inserted: 0, deferred: 1 });
    expect(seal(2, owners(1, 5)).decided.rejections).toEqual([[1, ['id_duplicate']]]);
  });

  it('gives the same outcome whether or not rows were held back', () => {
    const rows = [thing(1, 'a', 5), thing(1, 'b'), thing(2, 'A', 6), thing(3, 'c', 5), thing(4, 'd', 7)];
    apply(0, rows.slice(0, 2), pending);
    apply(2, rows.slice(2), answers({ owner_id: [1] }, { owner_id: [5, 6, 7] }));
    seal(5, owners(1, 5));
    const direct = openTempStore(thingsSpec, TEST_MIGRATIONS);
    try {
      direct.store.apply({ producer: 1, offset: 0, rows, seal: true }, owners(1, 5));
      expect(store.digest()).toEqual(direct.store.digest());
      expect(store.stats(1)).toEqual(direct.store.stats(1));
    } finally {
      direct.cleanup();
    }
  });
});

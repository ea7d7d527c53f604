import { describe, expect, it } from 'vitest';
import { owners, reasonsOf, thing, useThings } from './test-table.js';
import { select } from './testing.js';

const { temp, apply } = useThings();

describe('judging rows', () => {
  it('inserts valid rows and reports them accepted', () => {
    const result = apply(0, [thing(1), thing(2)]);
    expect(result.outcome).toEqual({ offset: 0, count: 2, inserted: 2, rejected: 0, deferred: 0 });
    expect([...temp.store.reads.ids()]).toEqual([1, 2]);
    expect(temp.store.reads.counts()).toEqual({ rows: 2, rejected: 0 });
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
    expect([...temp.store.reads.ids()]).toEqual([1]);
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
    const [rejected] = temp.store.reads.rejections(1, -1, 10);
    expect(rejected).toEqual({ position: 0, id: 'seven', reasons: ['field_type'], row: '{"id":"seven","label":"x","owner_id":1}' });
    expect(select(temp.store, 'select id, typeof(id) as type from rejections')[0]).toEqual({ id: 'seven', type: 'text' });
    expect(select(temp.store, 'select label from things where id = 7')[0]).toEqual({ label: "'; DROP TABLE things; --\u0000" });
  });

  it('stores a rejected id exactly as given: an integer as an INTEGER, a fraction as a REAL', () => {
    apply(0, [thing(9, ''), thing(1.5), thing(-2)]);
    expect(select(temp.store, 'select id, typeof(id) as type from rejections order by position')).toEqual([
      { id: 9, type: 'integer' },
      { id: 1.5, type: 'real' },
      { id: -2, type: 'integer' },
    ]);
  });
});

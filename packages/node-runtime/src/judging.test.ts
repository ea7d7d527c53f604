import { REASONS, type Reason } from '@dbsim/protocol';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { CHUNK_ROWS } from './judging.js';
import { reasonsOf, thing, useThings } from './test-table.js';

const { temp, apply } = useThings();

/** What judging rows one at a time gives the test table: each rejection as [position, reasons, takenBy], and the ids inserted. */
function oneByOne(batches: { id: number; label: string; owner_id: number }[][]) {
  const byId = new Map<number, string>();
  const byLabel = new Map<string, number>();
  const rejections: [number, Reason[], Record<string, number> | undefined][] = [];
  let position = 0;
  for (const batch of batches) {
    for (const { id, label, owner_id } of batch) {
      const reasons: Reason[] = [];
      if (label === '') reasons.push('name_empty');
      if (owner_id !== 1) reasons.push('user_missing');
      const idHolder = byId.has(id) ? id : undefined;
      const labelHolder = label === '' ? undefined : byLabel.get(label.toLowerCase());
      if (reasons.length === 0 && idHolder === undefined && labelHolder === undefined) {
        byId.set(id, label);
        byLabel.set(label.toLowerCase(), id);
      } else {
        let takenBy: Record<string, number> | undefined;
        if (idHolder !== undefined) takenBy = { id_duplicate: idHolder };
        if (labelHolder !== undefined) takenBy = { ...takenBy, email_duplicate: labelHolder };
        const all = [...reasons, ...Object.keys(takenBy ?? {})] as Reason[];
        rejections.push([position, REASONS.filter((reason) => all.includes(reason)), takenBy]);
      }
      position++;
    }
  }
  return { rejections, ids: [...byId.keys()].sort((a, b) => a - b) };
}

describe('judging rows in chunks', () => {
  it('lets a repeated id in one chunk go to the later row when the earlier one conflicts on another key', () => {
    apply(0, [thing(1, 'x')]);
    const result = apply(1, [thing(5, 'X'), thing(5, 'y')]);
    expect(result.rejections).toMatchObject([{ position: 1, reasons: ['email_duplicate'], takenBy: { email_duplicate: 1 } }]);
    expect([...temp.store.reads.ids()]).toEqual([1, 5]);
  });

  it('finds a rejected row’s key free when only a later row of its chunk takes it, and taken when an earlier one did', () => {
    const result = apply(0, [thing(1, 'a', 99), thing(2, 'a'), thing(3, 'A', 99)]);
    expect(reasonsOf(result)).toEqual([
      [0, ['user_missing']],
      [2, ['email_duplicate', 'user_missing']],
    ]);
    expect(result.rejections[1]?.takenBy).toEqual({ email_duplicate: 2 });
  });

  it('rejects a row whose id the table holds, naming every key it repeats', () => {
    apply(0, [thing(1, 'a'), thing(2, 'b')]);
    const result = apply(2, [thing(1, 'B')]);
    expect(result.rejections).toMatchObject([
      { reasons: ['id_duplicate', 'email_duplicate'], takenBy: { id_duplicate: 1, email_duplicate: 2 } },
    ]);
  });

  const row = fc.record({
    id: fc.integer({ min: 1, max: 3 * CHUNK_ROWS }),
    label: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 2 * CHUNK_ROWS }).map(String) }, fc.constantFrom('', 'a', 'A')),
    owner_id: fc.oneof({ weight: 8, arbitrary: fc.constant(1) }, fc.constant(99)),
  });
  test.prop([fc.array(fc.array(row, { minLength: 1, maxLength: 3 * CHUNK_ROWS }), { minLength: 1, maxLength: 3 })], { numRuns: 40 })(
    'decides every row as judging them one at a time would, across chunks and batches',
    (batches) => {
      temp.store.reset();
      let offset = 0;
      const rejections = batches.flatMap((rows) => {
        const result = apply(offset, rows);
        offset += rows.length;
        return result.rejections.map((r) => [r.position, r.reasons, r.takenBy]);
      });
      const expected = oneByOne(batches);
      expect(rejections).toEqual(expected.rejections);
      expect([...temp.store.reads.ids()].sort((a, b) => a - b)).toEqual(expected.ids);
    },
  );
});

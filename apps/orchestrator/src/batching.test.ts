import { fromArray, RowText, type TableSource } from '@dbsim/datasets';
import { MAX_BATCH_BYTES, MAX_ROW_BYTES } from '@dbsim/protocol';
import { describe, expect, it } from 'vitest';
import { type Batch, batches } from './batching.js';

async function all(from: number, batchSize: number, rows: unknown[]): Promise<Batch[]> {
  const result = [];
  for await (const batch of batches(fromArray(rows), batchSize, from)) result.push(batch);
  return result;
}

/** Each batch as offset, rows (decoded) and seal, with what goes beside the rows. */
const decoded = (list: Batch[]) => list.map(({ rows, ...rest }) => ({ ...rest, rows: JSON.parse(rows.bytes.toString()) as unknown[] }));

describe('batches', () => {
  it('cuts the rows into batches numbered by offset and ends with an empty sealing batch', async () => {
    expect(decoded(await all(0, 2, ['a', 'b', 'c']))).toEqual([
      { offset: 0, rows: ['a', 'b'], seal: false },
      { offset: 2, rows: ['c'], seal: false },
      { offset: 3, rows: [], seal: true },
    ]);
  });

  it('starts after the rows a node has already committed', async () => {
    expect(decoded(await all(2, 2, ['a', 'b', 'c', 'd', 'e']))).toEqual([
      { offset: 2, rows: ['c', 'd'], seal: false },
      { offset: 4, rows: ['e'], seal: false },
      { offset: 5, rows: [], seal: true },
    ]);
  });

  it('cuts the rows of a source that writes their JSON itself into the same batches as the rows themselves', async () => {
    const rows = Array.from({ length: 23 }, (_, i) => ({ id: i + 1, name: `n${i}` }));
    const written: TableSource = { ...fromArray(rows), writeJson: (i, out) => out.text(JSON.stringify(rows[i])) };
    const cut = async (source: TableSource) => {
      const result = [];
      for await (const batch of batches(source, 5, 7)) result.push(batch);
      return decoded(result);
    };
    expect(await cut(written)).toEqual(await cut(fromArray(rows)));
    expect((await cut(written)).map((batch) => batch.offset)).toEqual([7, 12, 17, 22, 23]);
  });

  it('cuts them the same way by bytes too, when a batch holds more rows than its bytes allow', async () => {
    const rows = Array.from({ length: 40_000 }, (_, i) => ({ id: i + 1, name: `name ${'x'.repeat(i % 200)}` }));
    const written: TableSource = { ...fromArray(rows), writeJson: (i, out) => out.text(JSON.stringify(rows[i])) };
    const offsets = async (source: TableSource) => {
      const result = [];
      for await (const batch of batches(source, 100_000, 0)) result.push(batch.offset);
      return result;
    };
    const byRows = await offsets(fromArray(rows));
    expect(byRows.length).toBeGreaterThan(3);
    expect(await offsets(written)).toEqual(byRows);
  });

  it('seals the stream at its length, even when the node holds more rows than the data', async () => {
    const rows = ['a', 'b', 'c'];
    const written: TableSource = { ...fromArray(rows), writeJson: (i, out) => out.text(JSON.stringify(rows[i])) };
    for (const source of [fromArray(rows), written]) {
      const list = [];
      for await (const batch of batches(source, 2, 5)) list.push(batch);
      expect(decoded(list)).toEqual([{ offset: 3, rows: [], seal: true }]);
    }
  });

  it('moves a written row the batch has no room for to the next one, and sends one too large for a message as a marker', async () => {
    const rows = [
      { id: 1, name: 'a'.repeat(MAX_BATCH_BYTES / 2) },
      { id: 2, name: 'b'.repeat(MAX_BATCH_BYTES / 2) },
      { id: 3, name: 'c' },
      { id: 4, name: 'd'.repeat(MAX_ROW_BYTES) },
      { id: 5, name: 'e' },
    ];
    const written: TableSource = { ...fromArray(rows), writeJson: (i, out) => out.text(JSON.stringify(rows[i])) };
    const list = [];
    for await (const batch of batches(written, 5000, 0)) list.push(batch);
    const huge = JSON.stringify(rows[3]);
    expect(decoded(list)).toEqual([
      { offset: 0, rows: [rows[0]], seal: false },
      {
        offset: 1,
        rows: [rows[1], rows[2], null, rows[4]],
        seal: false,
        oversized: { 2: { chars: huge.length, head: huge.slice(0, 4096) } },
      },
      { offset: 5, rows: [], seal: true },
    ]);
  });

  it('seals an empty table at once', async () => {
    expect(decoded(await all(0, 10, []))).toEqual([{ offset: 0, rows: [], seal: true }]);
  });

  it('cuts a batch by characters too, whatever the row count, and sends a row longer than the bound alone', async () => {
    const big = 'x'.repeat(MAX_BATCH_BYTES / 3);
    const list = await all(0, 5000, [
      { id: 1, name: big },
      { id: 2, name: big },
      { id: 3, name: big },
      { id: 4, name: 'x'.repeat(MAX_BATCH_BYTES) },
      5,
    ]);
    expect(list.map((batch) => [batch.offset, batch.rows.count])).toEqual([
      [0, 2],
      [2, 1],
      [3, 1],
      [4, 1],
      [5, 0],
    ]);
    expect(list.every((batch) => batch.rows.bytes.length <= MAX_BATCH_BYTES || batch.rows.count === 1)).toBe(true);
  });

  it('measures rows in bytes of UTF-8: a row of three-byte characters is too large at a third of the characters', async () => {
    const euros = (chars: number) => ({ id: 1, name: '€'.repeat(chars) });
    const rows = [euros(MAX_BATCH_BYTES / 6), euros(MAX_BATCH_BYTES / 6), euros(MAX_BATCH_BYTES / 6), euros(MAX_ROW_BYTES / 3 + 10)];
    const list = await all(0, 5000, rows);
    expect(list.map((batch) => [batch.offset, batch.rows.count, Object.keys(batch.oversized ?? {})])).toEqual([
      [0, 1, []],
      [1, 1, []],
      [2, 2, ['1']],
      [4, 0, []],
    ]);
    expect(list.every((batch) => batch.rows.bytes.length <= MAX_BATCH_BYTES)).toBe(true);
  });

  it('sends a row kept as written beside the rows, and a row too large for a message as a marker', async () => {
    const huge = { id: 9, name: 'y'.repeat(MAX_ROW_BYTES) };
    const [first] = await all(0, 10, [{ id: 1 }, new RowText('{"id":2,"price":1e309}'), huge]);
    expect(decoded([first as Batch])).toEqual([
      {
        offset: 0,
        rows: [{ id: 1 }, null, null],
        seal: false,
        texts: { 1: '{"id":2,"price":1e309}' },
        oversized: { 2: { chars: JSON.stringify(huge).length, head: JSON.stringify(huge).slice(0, 4096) } },
      },
    ]);
  });
});

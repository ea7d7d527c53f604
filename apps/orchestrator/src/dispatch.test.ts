import { fromArray } from '@dbsim/datasets';
import { describe, expect, it } from 'vitest';
import { batches } from './dispatch.js';

async function all(from: number, batchSize: number, rows: unknown[]) {
  const result = [];
  for await (const batch of batches(fromArray(rows), batchSize, from)) result.push(batch);
  return result;
}

describe('batches', () => {
  it('cuts the rows into batches numbered by offset and ends with an empty sealing batch', async () => {
    expect(await all(0, 2, ['a', 'b', 'c'])).toEqual([
      { offset: 0, rows: ['a', 'b'], seal: false },
      { offset: 2, rows: ['c'], seal: false },
      { offset: 3, rows: [], seal: true },
    ]);
  });

  it('starts after the rows a node has already committed', async () => {
    expect(await all(2, 2, ['a', 'b', 'c', 'd', 'e'])).toEqual([
      { offset: 2, rows: ['c', 'd'], seal: false },
      { offset: 4, rows: ['e'], seal: false },
      { offset: 5, rows: [], seal: true },
    ]);
  });

  it('seals an empty table at once', async () => {
    expect(await all(0, 10, [])).toEqual([{ offset: 0, rows: [], seal: true }]);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '@dbsim/cli';
import { describe, expect, it } from 'vitest';
import { CLASSIC, loadDataSet } from './load.js';

const dir = mkdtempSync(join(tmpdir(), 'dbsim-data-'));
function file(content: string): string {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, content);
  return path;
}

describe('loadDataSet', () => {
  it('reads the classic data set: 10 users, 10 products, 10 orders', async () => {
    const data = await loadDataSet(CLASSIC);
    expect([data.users.count, data.products.count, data.orders.count]).toEqual([10, 10, 10]);
    expect([...(data.users.rows() as Iterable<unknown>)][0]).toEqual({ id: 1, name: 'Alice', email: 'alice@example.com' });
  });

  it('leaves row checks to the nodes: any rows in the three arrays are accepted', async () => {
    const data = await loadDataSet(file('{"users": [null, 1, "x"], "products": [], "orders": [{"__proto__": 1}]}'));
    expect([...(data.users.rows() as Iterable<unknown>)]).toEqual([null, 1, 'x']);
  });

  it.each([
    ['a missing file', join(dir, 'absent.json'), /^cannot read data file .*absent\.json: no such file or folder$/],
    ['a directory', dir, /it is a folder$/],
    ['text that is not JSON', file('users,products'), /is not valid JSON/],
    ['a top level that is not an object', file('"users"'), /not a string$/],
    ['a table that is not an array', file('{"users": [], "products": 3, "orders": []}'), /"products" must be an array, not a number$/],
    ['a missing table', file('{"users": [], "orders": []}'), /has no "products" array/],
  ])('refuses %s with a one-line usage error', async (_, path, message) => {
    const error = await loadDataSet(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RejectionRecord } from '@dbsim/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { REPORT_SEPARATOR, readReport, reportEnd, reportHead, reportLine } from './report.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const outcome = (rejected: number) => ({ received: rejected + 1, inserted: 1, rejected, reasons: { field_type: rejected } });
const users: RejectionRecord[] = [
  { position: 0, id: 1, reasons: ['field_type'], row: '{"id":1,"name":5,"email":"a@b.c"}' },
  // An id that holds the text a naive reader would take for the row's start.
  {
    position: 1,
    id: { x: ',"row":' },
    reasons: ['field_type', 'id_duplicate'],
    takenBy: { id_duplicate: 7 },
    row: '{"id":{"x":",\\"row\\":"}}',
  },
];
const orders: RejectionRecord[] = [
  { position: 0, id: 3, reasons: ['field_type'], row: `{"id":3,"quantity":1e309,"note":"${'n'.repeat(50)}"}` },
];

/** A report written as simulate writes it. */
function written(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dbsim-report-'));
  dirs.push(dir);
  const file = join(dir, 'report.json');
  const lines = [...users.map((r) => reportLine('users', r)), ...orders.map((r) => reportLine('orders', r))];
  const tables = { users: outcome(2), products: outcome(0), orders: outcome(1) };
  writeFileSync(file, `${reportHead(4, tables)}\n    ${lines.join(REPORT_SEPARATOR)}${reportEnd(true)}`);
  return file;
}

describe('report.json', () => {
  it('reads back what was written: each row as the text it was written in, whatever its id holds', async () => {
    const file = written();
    const report = await readReport(file);
    expect(report?.run).toBe(4);
    expect(report?.tables.orders).toEqual(outcome(1));
    expect(report?.rejections).toEqual([...users.map((r) => ({ table: 'users', ...r })), { table: 'orders', ...orders[0] }]);
  });

  it('keeps only the rows asked for: some of each table, by their fields, cut to a length', async () => {
    const file = written();
    expect((await readReport(file, { perTable: 1 }))?.rejections.map((r) => `${r.table} ${r.position}`)).toEqual(['users 0', 'orders 0']);
    expect((await readReport(file, { keep: (r) => r.takenBy !== undefined }))?.rejections.map((r) => r.position)).toEqual([1]);
    const [, , cut] = (await readReport(file, { rowChars: 20 }))?.rejections ?? [];
    expect(cut?.row).toBe(`${orders[0]?.row.slice(0, 20)}…`);
    expect(await readReport(`${file}.nope`)).toBeUndefined();
  });

  it('reads no further once every table has its share, or every row it rejected if fewer', async () => {
    const file = written();
    // What follows the rows would fail to parse, were it read. The head says users rejected 2, products 0, orders 1.
    writeFileSync(file, readFileSync(file, 'utf8').replace(/\n {2}\]\n\}\n$/, '\n    {"not a row'));
    const positions = async (perTable: number) => (await readReport(file, { perTable }))?.rejections.map((r) => `${r.table} ${r.position}`);
    expect(await positions(1)).toEqual(['users 0', 'orders 0']);
    expect(await positions(5)).toEqual(['users 0', 'users 1', 'orders 0']);
    expect(await positions(0)).toEqual([]);
    // A reader that keeps rows by their fields cannot know how many it will keep: it reads on.
    await expect(readReport(file, { keep: () => true })).rejects.toThrow(SyntaxError);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readReport } from './report.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

// As the orchestrator writes it: its head, then a rejected row a line, the row last and as it was written.
const REPORT = `{
  "run": 2,
  "tables": {
    "users": { "received": 3, "inserted": 1, "rejected": 2, "reasons": { "field_type": 2 } },
    "products": { "received": 0, "inserted": 0, "rejected": 0, "reasons": {} },
    "orders": { "received": 1, "inserted": 0, "rejected": 1, "reasons": { "quantity_invalid": 1 } }
  },
  "rejections": [
    {"table":"users","id":1,"position":0,"reasons":["field_type"],"row":{"id":1,"name":5,"email":"a@b.c"}},
    {"table":"users","id":2,"position":1,"reasons":["field_type"],"row":{"id":2,"name":",\\"row\\":","email":null}},
    {"table":"orders","id":3,"position":0,"reasons":["quantity_invalid"],"row":{"id":3,"quantity":1e309}}
  ]
}
`;

describe('reading report.json', () => {
  it('keeps each row as the text it was written in, and at most `perTable` rows of each table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbsim-report-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'report.json'), REPORT);
    const all = await readReport(join(dir, 'report.json'));
    expect(all?.run).toBe(2);
    expect(all?.tables.orders).toEqual({ received: 1, inserted: 0, rejected: 1, reasons: { quantity_invalid: 1 } });
    expect(all?.rejections.map((r) => r.row)).toEqual([
      '{"id":1,"name":5,"email":"a@b.c"}',
      '{"id":2,"name":",\\"row\\":","email":null}',
      '{"id":3,"quantity":1e309}',
    ]);
    const first = await readReport(join(dir, 'report.json'), 1);
    expect(first?.rejections.map((r) => `${r.table} ${r.id}`)).toEqual(['users 1', 'orders 3']);
    expect(await readReport(join(dir, 'nope.json'))).toBeUndefined();
  });
});

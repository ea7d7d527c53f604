import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLASSIC } from '@dbsim/datasets';
import { describe, expect, it } from 'vitest';
import { jsonLines, query, simulate, tempDir } from './test-run.js';

/** The classic data set's required outcome (issue "The simulation itself"). */
const CLASSIC_TABLES = {
  users: { received: 10, inserted: 8, rejected: 2, reasons: { name_empty: 1, email_duplicate: 1 } },
  products: { received: 10, inserted: 9, rejected: 1, reasons: { price_negative: 1 } },
  orders: { received: 10, inserted: 7, rejected: 3, reasons: { quantity_not_positive: 2, user_missing: 2, product_missing: 1 } },
};
const CLASSIC_REJECTIONS = [
  { table: 'users', id: 8, reasons: ['email_duplicate'] },
  { table: 'users', id: 10, reasons: ['name_empty'] },
  { table: 'products', id: 10, reasons: ['price_negative'] },
  { table: 'orders', id: 8, reasons: ['quantity_not_positive', 'user_missing'] },
  { table: 'orders', id: 9, reasons: ['quantity_not_positive'] },
  { table: 'orders', id: 10, reasons: ['user_missing', 'product_missing'] },
];

interface Report {
  run: number;
  tables: typeof CLASSIC_TABLES;
  rejections: { table: string; id: unknown; reasons: string[]; row: unknown }[];
}

const readReport = (dir: string): Report => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
const ids = (dir: string, table: string) => query<{ id: number }>(dir, table, `select id from ${table} order by id`).map((r) => r.id);

function expectClassicDatabases(dir: string): void {
  expect(ids(dir, 'users')).toEqual([1, 2, 3, 4, 5, 6, 7, 9]);
  expect(ids(dir, 'products')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  expect(ids(dir, 'orders')).toEqual([1, 2, 3, 4, 5, 6, 7]);
  expect(query(dir, 'products', 'select price_cents from products where id = 1')).toEqual([{ price_cents: 100000 }]);
  for (const table of ['users', 'products', 'orders']) {
    expect(query(dir, table, 'pragma integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    expect(query(dir, table, 'pragma journal_mode')).toEqual([{ journal_mode: 'wal' }]);
  }
  const rejected = ['users', 'products', 'orders'].flatMap((table) =>
    query<{ id: number; reasons: string }>(dir, table, 'select id, reasons from rejections order by position').map((r) => ({
      table,
      id: r.id,
      reasons: JSON.parse(r.reasons),
    })),
  );
  expect(rejected).toEqual(CLASSIC_REJECTIONS);
}

describe('pnpm simulate on the classic data set', () => {
  it('gives the classic outcome in report.json, the three SQLite files and the logs', async () => {
    const dir = tempDir();
    const { code, stdout, stderr } = await simulate(['--dir', dir]);
    expect(stderr).toContain('simulate: run 1 of classic.json');
    expect(code).toBe(0);

    const report = readReport(dir);
    expect(report.run).toBe(1);
    expect(report.tables).toEqual(CLASSIC_TABLES);
    expect(report.rejections.map(({ table, id, reasons }) => ({ table, id, reasons }))).toEqual(CLASSIC_REJECTIONS);
    expect(report.rejections[3]?.row).toEqual({ id: 8, user_id: 8, product_id: 8, quantity: 0 });
    expectClassicDatabases(dir);

    // stdout is pure JSON lines, the same ones simulate.log holds, with one warn line per rejected row.
    const lines = jsonLines(stdout);
    expect(readFileSync(join(dir, 'simulate.log'), 'utf8')).toBe(stdout);
    const warnings = lines.filter((line) => line.msg === 'row rejected');
    expect(warnings.every((line) => line.level === 40)).toBe(true);
    expect(
      warnings
        .map(({ name, table, id, reasons }) => ({ name, table, id, reasons }))
        .sort((a, b) => `${a.table}${a.id}`.localeCompare(`${b.table}${b.id}`)),
    ).toEqual(
      CLASSIC_REJECTIONS.map((r) => ({ name: `${r.table}-node`, ...r })).sort((a, b) =>
        `${a.table}${a.id}`.localeCompare(`${b.table}${b.id}`),
      ),
    );
    expect(warnings.find((line) => line.table === 'users' && line.id === 10)?.row).toEqual({ id: 10, name: '', email: 'jane@example.com' });
  });

  it('gives the same outcome when the users stream is slowed so that orders arrive first', async () => {
    const dir = tempDir();
    const { code } = await simulate(['--dir', dir, '--batch-size', '2', '--delay', 'users=150'], { LOG_LEVEL: 'debug' });
    expect(code).toBe(0);
    expect(readReport(dir).tables).toEqual(CLASSIC_TABLES);
    expectClassicDatabases(dir);

    const received = jsonLines(readFileSync(join(dir, 'simulate.log'), 'utf8')).filter((line) => line.msg === 'batch received');
    const firstOrders = received.findIndex((line) => line.name === 'orders-node');
    const usersSeal = received.findIndex((line) => line.name === 'users-node' && line.seal === true);
    expect(firstOrders).toBeGreaterThanOrEqual(0);
    expect(firstOrders).toBeLessThan(usersSeal);
  });

  it('adds a run to the existing databases with --keep', async () => {
    const dir = tempDir();
    await simulate(['--dir', dir]);
    const { code } = await simulate(['--dir', dir, '--keep']);
    expect(code).toBe(0);
    const report = readReport(dir);
    expect(report.run).toBe(2);
    expect(Object.values(report.tables).map((t) => t.inserted)).toEqual([0, 0, 0]);
    // Every row is rejected: those accepted by run 1 as duplicates, the others for their old reasons.
    expect(report.rejections).toHaveLength(30);
    expect(report.rejections.filter((r) => r.reasons.includes('id_duplicate'))).toHaveLength(8 + 9 + 7);
    expect(ids(dir, 'users')).toEqual([1, 2, 3, 4, 5, 6, 7, 9]);
  });
});

describe('one file per table, NDJSON or CSV', () => {
  const classic = JSON.parse(readFileSync(CLASSIC, 'utf8')) as Record<'users' | 'products' | 'orders', Record<string, unknown>[]>;
  const ndjson = (rows: unknown[]) => rows.map((row) => `${JSON.stringify(row)}\n`).join('');
  const csv = (rows: Record<string, unknown>[]) =>
    `${Object.keys(rows[0] ?? {}).join(',')}\n${rows
      .map(
        (row) =>
          `${Object.values(row)
            .map((v) => (typeof v === 'string' ? `"${v}"` : v))
            .join(',')}\n`,
      )
      .join('')}`;

  it('streams the classic data set to the classic outcome, report for report', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'users.ndjson'), ndjson(classic.users));
    writeFileSync(join(dir, 'products.csv'), csv(classic.products));
    writeFileSync(join(dir, 'orders.csv'), csv(classic.orders));
    const data = `users=${join(dir, 'users.ndjson')},products=${join(dir, 'products.csv')},orders=${join(dir, 'orders.csv')}`;
    const { code, stderr } = await simulate(['--dir', join(dir, 'tables'), '--data', data]);
    expect(code, stderr).toBe(0);
    await simulate(['--dir', join(dir, 'json')]);
    expect(readFileSync(join(dir, 'tables', 'report.json'), 'utf8')).toBe(readFileSync(join(dir, 'json', 'report.json'), 'utf8'));
    expectClassicDatabases(join(dir, 'tables'));
  });

  it('rejects a line it cannot read as row_malformed, naming the file and line, and goes on', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'users.ndjson'), `${ndjson(classic.users.slice(0, 2))}{"id": 3, "name":\n`);
    writeFileSync(join(dir, 'products.csv'), 'id,name,price\n1,Laptop\n');
    writeFileSync(join(dir, 'orders.ndjson'), '');
    const data = `users=${join(dir, 'users.ndjson')},products=${join(dir, 'products.csv')},orders=${join(dir, 'orders.ndjson')}`;
    const { code, stdout, stderr } = await simulate(['--dir', dir, '--data', data]);
    expect(code, stderr).toBe(0);
    const logs = jsonLines(stdout);
    // The tables are read side by side: their lines come in either order.
    const malformed = logs.filter((line) => String(line.msg).startsWith('malformed line'));
    expect(malformed.sort((a, b) => String(a.table).localeCompare(String(b.table))).reverse()).toEqual([
      expect.objectContaining({ level: 40, table: 'users', file: join(dir, 'users.ndjson'), line: 3 }),
      expect.objectContaining({
        level: 40,
        table: 'products',
        file: join(dir, 'products.csv'),
        line: 2,
        problem: '2 fields where the header has 3',
      }),
    ]);
    expect(readReport(dir).rejections).toEqual([
      { table: 'users', id: null, position: 2, reasons: ['row_malformed'], row: '{"id": 3, "name":' },
      { table: 'products', id: null, position: 0, reasons: ['row_malformed'], row: '1,Laptop' },
    ]);
  });
});

describe('hostile rows', () => {
  it('are stored verbatim or rejected with reason codes, and no process dies', async () => {
    const dir = tempDir();
    const big = 'x'.repeat(10_000);
    const data = join(dir, 'hostile.json');
    // Written as text: 1e309 and an own "__proto__" key cannot be built as a JavaScript object literal and stringified.
    writeFileSync(
      data,
      `{"users": [
        {"id": 1, "name": "Robert'); DROP TABLE users;--", "email": "bobby@tables.io"},
        {"id": 2, "name": "tab\\tnul\\u0000esc\\u001b[31m", "email": "ctl@x.io"},
        {"id": 3, "name": "${big}", "email": "big@x.io"},
        {"id": 4, "name": "Proto", "email": "p@x.io", "__proto__": {"admin": true}},
        {"id": 5e0, "name": "Five", "email": "five@x.io", "constructor": "x"}
      ],
      "products": [{"id": 1, "name": "Overflow", "price": 1e309}, {"id": 2, "name": "Huge", "price": 1e308}],
      "orders": [{"id": 1, "user_id": 1, "product_id": 2, "quantity": 1e309}]}`,
    );
    const { code, stderr } = await simulate(['--dir', dir, '--data', data]);
    expect(code, stderr).toBe(0);
    expect(query(dir, 'users', 'select id, name from users order by id')).toEqual([
      { id: 1, name: "Robert'); DROP TABLE users;--" },
      { id: 2, name: 'tab\tnul\u0000esc\u001b[31m' },
    ]);
    const reasons = readReport(dir).rejections.map(({ table, id, reasons }) => [table, id, reasons]);
    expect(reasons).toEqual([
      ['users', 3, ['name_too_long']],
      ['users', 4, ['field_unknown']],
      ['users', 5, ['field_unknown']],
      // 1e309 is a number, if one out of range: the rules on the field judge it, and the row keeps it as written.
      ['products', 1, ['price_invalid']],
      ['products', 2, ['price_invalid']],
      ['orders', 1, ['quantity_invalid', 'product_missing']],
    ]);
    const text = readFileSync(join(dir, 'report.json'), 'utf8');
    expect(text).toContain('"row":{"id":1,"name":"Overflow","price":1e309}');
    expect(text).toContain('"row":{"id":1,"user_id":1,"product_id":2,"quantity":1e309}');
    const logged = readFileSync(join(dir, 'simulate.log'), 'utf8');
    expect(logged).toContain('"reasons":["price_invalid"],"row":{"id":1,"name":"Overflow","price":1e309},"msg":"row rejected"}');
  });
});

describe('a bad data file', () => {
  const cases: [string, string, RegExp][] = [
    ['missing', '', /cannot read data file .*missing\.json: no such file/],
    ['not JSON', '{"users": [', /is not valid JSON/],
    ['an array', '[]', /must hold an object with arrays users, products, orders, not an array/],
    ['no orders', '{"users": [], "products": []}', /has no "orders" array/],
    ['users not an array', '{"users": {}, "products": [], "orders": []}', /"users" must be an array, not an object/],
    ['an unknown key', '{"users": [], "products": [], "orders": [], "carts": []}', /unknown key "carts"/],
  ];

  it.each(cases)('(%s) gets one error line, a non-zero exit, and changes no file', async (name, content, message) => {
    const dir = tempDir();
    await simulate(['--dir', dir]);
    const before = ['users.db', 'report.json', 'simulate.log'].map((file) => statSync(join(dir, file)).mtimeMs);
    const data = join(dir, name === 'missing' ? 'missing.json' : 'data.json');
    if (name !== 'missing') writeFileSync(data, content);

    const { code, stdout, stderr } = await simulate(['--dir', dir, '--data', data]);
    expect(code).not.toBe(0);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(message)]);
    expect(stderr).toMatch(/^simulate: /);
    expect(['users.db', 'report.json', 'simulate.log'].map((file) => statSync(join(dir, file)).mtimeMs)).toEqual(before);
  });

  it('creates no directory', async () => {
    const dir = join(tempDir(), 'never');
    const { code } = await simulate(['--dir', dir, '--data', join(dir, 'nope.json')]);
    expect(code).not.toBe(0);
    expect(() => statSync(dir)).toThrow();
  });
});

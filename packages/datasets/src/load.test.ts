import { once } from 'node:events';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '@dbsim/cli';
import { afterAll, describe, expect, it } from 'vitest';
import { CLASSIC, loadDataSet } from './load.js';
import { RowText } from './source.js';
import { all } from './test-rows.js';

const dir = mkdtempSync(join(tmpdir(), 'dbsim-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function file(content: string): string {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, content);
  return path;
}
const tables = (users: string) => file(`{"users": [${users}], "products": [], "orders": []}`);

describe('loadDataSet', () => {
  it('reads the classic data set: 10 users, 10 products, 10 orders', async () => {
    const data = await loadDataSet(CLASSIC);
    expect([data.users.count, data.products.count, data.orders.count]).toEqual([10, 10, 10]);
    expect((await all(data.users.rows()))[0]).toEqual({ id: 1, name: 'Alice', email: 'alice@example.com' });
  });

  it('leaves row checks to the nodes: any rows in the three arrays are accepted', async () => {
    const data = await loadDataSet(file('{"users": [null, 1, "x"], "products": [], "orders": [{"__proto__": 1}]}'));
    expect(await all(data.users.rows())).toEqual([null, 1, 'x']);
  });

  it.each([
    ['a missing file', join(dir, 'absent.json'), /^cannot read data file .*absent\.json: no such file or folder$/],
    ['a directory', dir, /it is a folder$/],
    ['text that is not JSON', file('users,products'), /is not valid JSON: expected a value at line 1, column 1$/],
    [
      'a table file given alone',
      (() => {
        const csv = join(dir, 'users.csv');
        writeFileSync(csv, 'id,name,email\n1,Ann,ann@x.io\n');
        return csv;
      })(),
      /users\.csv is not valid JSON: .* \(table files go as --data users=FILE,products=FILE,orders=FILE\)$/,
    ],
    [
      'a misplaced comma',
      file('{"users": [1,\n  ,2], "products": [], "orders": []}'),
      /is not valid JSON: expected a value at line 2, column 3$/,
    ],
    [
      'text after the object',
      file('{"users": [], "products": [], "orders": []}{}'),
      /is not valid JSON: unexpected characters at line 1, column 44$/,
    ],
    ['an empty file', file(''), /is not valid JSON: it ends at line 1, column 1, inside the data: is the file cut short\?$/],
    [
      'a file cut short',
      file('{"users": [{"id": 1},\n{"id"'),
      /is not valid JSON: it ends at line 2, column 6, inside the data: is the file cut short\?$/,
    ],
    ['a top level that is not an object', file('"users"'), /not a string$/],
    [
      'a top level that is an array',
      file('[{"users": []}]'),
      /^data file \w+\.json must hold an object with arrays users, products, orders, not an array$/,
    ],
    ['a table that is not an array', file('{"users": [], "products": 3, "orders": []}'), /"products" must be an array, not a number$/],
    [
      'a table that is an object',
      file('{"users": {}, "products": [], "orders": []}'),
      /^data file \w+\.json: "users" must be an array, not an object$/,
    ],
    ['a table that is null', file('{"users": [], "products": [], "orders": null}'), /"orders" must be an array, not null$/],
    ['a missing table', file('{"users": [], "orders": []}'), /has no "products" array/],
    [
      'an unknown key',
      file('{"users": [], "products": [], "orders": [], "carts": []}'),
      /has unknown key "carts": expected an object with arrays users, products, orders$/,
    ],
    ['a table given twice', file('{"users": [1], "products": [], "users": [2], "orders": []}'), /has "users" twice: expected an object/],
  ])('refuses %s with a one-line usage error', async (_, path, message) => {
    const error = await loadDataSet(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('refuses a file cut short anywhere, saying where it ends', async () => {
    const text = readFileSync(CLASSIC, 'utf8').trimEnd();
    for (let length = 0; length < text.length; length += 7) {
      const error = await loadDataSet(file(text.slice(0, length))).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toMatch(
        /is not valid JSON: it ends at line \d+, column \d+, inside the data: is the file cut short\?$/,
      );
    }
  });

  it('gives each table the rows JSON.parse gives: escapes, unicode, empty and nested arrays, deep nesting, scalars', async () => {
    const text = `\t{ "users" : [
      {"name": "\\u00e9t\\u00E9 \\ud83d\\ude00 \\ud800 \\u0000 \\" \\\\ \\/ \\b\\f\\n\\r\\t", "ключ": "значение 😀", "": ""},
      [], {}, [[]], [{}], [[1, [2, [3, []]]]], ${'['.repeat(1000)}1${']'.repeat(1000)},
      ${'{"a":'.repeat(1000)}null${'}'.repeat(1000)},
      -0, 0.1, 1E5, 1e-400, 123456789012345678901, -1.5e+300, 5e-324,
      true, false, null, "a string", "${'é'.repeat(100_000)}", "${'x'.repeat(200_000)}"
    ],
    "products": [], "orders" :[ {"a":1} ,{"b":[true,false,null]}
    ] }\n`;
    const data = await loadDataSet(file(text));
    const parsed = JSON.parse(text);
    for (const table of ['users', 'products', 'orders'] as const) {
      const rows = await all(data[table].rows());
      expect(rows).toStrictEqual(parsed[table]);
      expect(JSON.stringify(rows)).toBe(JSON.stringify(parsed[table]));
      expect(data[table].count).toBe(parsed[table].length);
    }
  });

  it('keeps a "__proto__" key an own field, and the last of duplicate keys, as JSON.parse does', async () => {
    const data = await loadDataSet(tables('{"__proto__": {"admin": true}, "id": 1, "id": 2, "b": [1], "b": {"c": 3}}'));
    const [row] = (await all(data.users.rows())) as Record<string, unknown>[];
    expect(Object.keys(row ?? {})).toEqual(['__proto__', 'id', 'b']);
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    expect(row?.admin).toBeUndefined();
    expect(JSON.stringify(row)).toBe('{"__proto__":{"admin":true},"id":2,"b":{"c":3}}');
  });

  it('gives a row holding a number a double cannot hold as its text, that number as written, even deep down', async () => {
    const deep = `${'['.repeat(50_000)}-2E+400${']'.repeat(50_000)}`;
    const data = await loadDataSet(
      tables(`{"id": 1, "price": 1e309}, {"id": 2, "meta": {"x": [1.50, -2E+400, "s"]}}, 1e309,
        {"id": 3, "big": ${'9'.repeat(400)}}, ${deep}`),
    );
    expect(await all(data.users.rows())).toStrictEqual([
      new RowText('{"id":1,"price":1e309}'),
      new RowText('{"id":2,"meta":{"x":[1.5,-2E+400,"s"]}}'),
      new RowText('1e309'),
      new RowText(`{"id":3,"big":${'9'.repeat(400)}}`),
      new RowText(deep),
    ]);
  });

  it('gives every other row as a plain value: numbers that only lose precision, or that a duplicate key replaced', async () => {
    const data = await loadDataSet(tables('{"n": 123456789012345678901, "tiny": 1e-400, "s": "1e309"}, {"a": 1e309, "a": 1}'));
    expect(await all(data.users.rows())).toStrictEqual([{ n: Number('123456789012345678901'), tiny: 0, s: '1e309' }, { a: 1 }]);
  });

  it('ignores a byte-order mark at the start of the file', async () => {
    const data = await loadDataSet(file('\uFEFF{"users": [{"id": 1}], "products": [], "orders": []}'));
    expect(await all(data.users.rows())).toEqual([{ id: 1 }]);
  });

  it('reads a row of 20 MB, whether one long string or many small values', async () => {
    const data = await loadDataSet(tables(`{"bio": "${'x'.repeat(20_000_000)}"}, [${'1,'.repeat(10_000_000)}2]`));
    const [text, numbers] = (await all(data.users.rows())) as [{ bio: string }, number[]];
    expect(text.bio.length).toBe(20_000_000);
    expect(numbers.length).toBe(10_000_001);
  }, 60_000);
});

describe('loadDataSet on a large file', () => {
  /** About 150 MB: as text alone it would take that much memory, and as parsed rows several times more. */
  const USERS = 1_000_000;
  const user = (i: number) => JSON.stringify({ id: i, name: `User ${i}`, email: `user${i}@example.com`, bio: 'b'.repeat(90) });

  async function writeLarge(): Promise<string> {
    const path = join(dir, 'large.json');
    const out = createWriteStream(path);
    const write = async (text: string) => {
      if (!out.write(text)) await once(out, 'drain');
    };
    await write('{"products": [{"id": 1}], "users": [\n');
    for (let i = 1; i <= USERS; i++) await write(`${i > 1 ? ',\n' : ''}${user(i)}`);
    await write('], "orders": [{"id": 1}]}\n');
    out.end();
    await once(out, 'close');
    return path;
  }

  it('reads it as a stream: memory grows by a small part of the file, not with it', async () => {
    const path = await writeLarge();
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    const data = await loadDataSet(path);
    expect([data.users.count, data.products.count, data.orders.count]).toEqual([USERS, 1, 1]);
    let rows = 0;
    let last: unknown;
    for await (const row of data.users.rows()) {
      last = row;
      if (++rows % 10_000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    expect(rows).toBe(USERS);
    expect(last).toEqual(JSON.parse(user(USERS)));
    expect(await all(data.orders.rows())).toEqual([{ id: 1 }]);
    expect(peak - before).toBeLessThan(64 * 1024 * 1024);
  }, 180_000);
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '@dbsim/cli';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RowText } from './source.js';
import { type OnMalformed, openTableFiles } from './table-files.js';
import { all } from './test-rows.js';

let dir: string;
let malformed: Parameters<OnMalformed>[0][];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dbsim-tables-'));
  malformed = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function files(contents: Record<'users' | 'products' | 'orders', [string, string]>) {
  const paths = {} as Record<'users' | 'products' | 'orders', string>;
  for (const [table, [name, text]] of Object.entries(contents) as [keyof typeof paths, [string, string]][]) {
    paths[table] = join(dir, name);
    writeFileSync(paths[table], text);
  }
  return paths;
}
const open = (paths: Parameters<typeof openTableFiles>[0]) => openTableFiles(paths, (where) => malformed.push(where));

const EMPTY: [string, string] = ['empty.ndjson', ''];

describe('openTableFiles', () => {
  it('streams NDJSON and CSV rows, skipping blank lines', async () => {
    const source = await open(
      files({
        users: ['u.ndjson', '{"id":1,"name":"Ann","email":"a@x.io"}\n\n{"id":2,"name":"Bo","email":"b@x.io"}\n'],
        products: ['p.csv', 'id,name,price\r\n1,"Pen, blue",1.5\r\n'],
        orders: EMPTY,
      }),
    );
    expect(await all(source.users.rows())).toEqual([
      { id: 1, name: 'Ann', email: 'a@x.io' },
      { id: 2, name: 'Bo', email: 'b@x.io' },
    ]);
    expect(await all(source.products.rows())).toEqual([{ id: 1, name: 'Pen, blue', price: 1.5 }]);
    expect(await all(source.orders.rows())).toEqual([]);
  });

  it('passes a line it cannot read on as that line, to be rejected, and says which file and line', async () => {
    const paths = files({
      users: ['u.ndjson', '{"id":1}\n{"id":\n'],
      products: ['p.csv', 'id,name,price\n1,Pen\n2,"open\n'],
      orders: EMPTY,
    });
    const source = await open(paths);
    expect(await all(source.users.rows())).toEqual([{ id: 1 }, '{"id":']);
    expect(await all(source.products.rows())).toEqual(['1,Pen', '2,"open']);
    expect(malformed).toEqual([
      { table: 'users', file: paths.users, line: 2, problem: expect.stringMatching(/^not JSON: /) },
      { table: 'products', file: paths.products, line: 2, problem: '2 fields where the header has 3' },
      { table: 'products', file: paths.products, line: 3, problem: 'a quoted field is not closed' },
    ]);
  });

  it('refuses, before reading any row, a missing file, an unknown kind of file, and a CSV without a header', async () => {
    await expect(open({ ...files({ users: EMPTY, products: EMPTY, orders: EMPTY }), users: join(dir, 'none.ndjson') })).rejects.toThrow(
      /cannot read data file .*none\.ndjson: no such file/,
    );
    await expect(open(files({ users: ['u.json', '[]'], products: EMPTY, orders: EMPTY }))).rejects.toThrow(/name a table's file/);
    await expect(open(files({ users: EMPTY, products: ['p.csv', ''], orders: EMPTY }))).rejects.toThrow(UsageError);
    await expect(open(files({ users: EMPTY, products: ['p.csv', 'id,,price\n'], orders: EMPTY }))).rejects.toThrow(/header line/);
  });

  it('ignores a byte-order mark at the start of an NDJSON or CSV file', async () => {
    const source = await open(
      files({ users: ['u.ndjson', '\uFEFF{"id":1}\n'], products: ['p.csv', '\uFEFFid,name,price\r\n1,Pen,2\r\n'], orders: EMPTY }),
    );
    expect(await all(source.users.rows())).toEqual([{ id: 1 }]);
    expect(await all(source.products.rows())).toEqual([{ id: 1, name: 'Pen', price: 2 }]);
    expect(malformed).toEqual([]);
  });

  it('gives a row holding a number a double cannot hold as its JSON text, every number as written', async () => {
    const source = await open(
      files({
        users: [
          'u.ndjson',
          [
            '  {"id": 1, "price": 1e309}  ',
            '{"id":2,"meta":{"x":[1.50,-2E+400]}}',
            `{"id":3,"big":${'9'.repeat(400)}}`,
            '{"id":4,"n":123456789012345678901,"tiny":1e-400,"s":"1e309"}',
          ].join('\n'),
        ],
        products: ['p.csv', 'id,name,price\n1,x,1e309\n2,"y",-2E+400\n3,"1e999",\n4,7,1.50\n'],
        orders: EMPTY,
      }),
    );
    expect(await all(source.users.rows())).toStrictEqual([
      new RowText('{"id": 1, "price": 1e309}'),
      new RowText('{"id":2,"meta":{"x":[1.50,-2E+400]}}'),
      new RowText(`{"id":3,"big":${'9'.repeat(400)}}`),
      { id: 4, n: Number('123456789012345678901'), tiny: 0, s: '1e309' },
    ]);
    expect(await all(source.products.rows())).toStrictEqual([
      new RowText('{"id":1,"name":"x","price":1e309}'),
      new RowText('{"id":2,"name":"y","price":-2E+400}'),
      { id: 3, name: '1e999' },
      { id: 4, name: 7, price: 1.5 },
    ]);
  });
});

import { createHash } from 'node:crypto';
import { perNode } from '@dbsim/protocol';
import { describe, expect, it } from 'vitest';
import { generate, parseSizes } from './generate.js';
import { jsonTexts } from './source.js';

const all = (source: ReturnType<typeof generate>) => perNode((table) => [...(source[table].rows() as Iterable<unknown>)]);

describe('generate', () => {
  const options = { sizes: { users: 300, products: 100, orders: 500 }, invalidRate: 0.3, seed: 3 };

  it('gives the same rows for the same seed, and different ones for another', () => {
    expect(JSON.stringify(all(generate(options)))).toBe(JSON.stringify(all(generate(options))));
    expect(JSON.stringify(all(generate({ ...options, seed: 4 })))).not.toBe(JSON.stringify(all(generate(options))));
  });

  it('gives the very bytes it always gave for a seed, each row as JSON.stringify writes it', () => {
    // A data set named by its seed in a report, a README or a bench stays that data set: these pin it.
    const digests = {
      users: '7f27e9139dfca45575cfc98933dc65a4c1c270e92fe3ce0ea99217fed2ba3f85',
      products: '5d5fe755643b80c05198b195649a1ae29ab9a6dbe97cce985661b223fd976527',
      orders: '06159e0e324545f0b5649692b810a073a794de8b0ce3a876bbfcc03dea02a769',
    };
    const source = generate({ sizes: { users: 3000, products: 3000, orders: 3000 }, invalidRate: 0.3, seed: 7 });
    for (const table of ['users', 'products', 'orders'] as const) {
      const texts = [...jsonTexts({ count: 3000, writeJson: source[table].writeJson ?? expect.fail('the generator writes its rows') })];
      expect(createHash('sha256').update(texts.join('\n')).digest('hex')).toBe(digests[table]);
      expect(texts.every((text) => JSON.stringify(JSON.parse(text)) === text)).toBe(true);
    }
  });

  it('gives each table the asked number of rows, produced lazily', () => {
    const source = generate({ ...options, sizes: { users: 10 ** 9, products: 0, orders: 2 } });
    const first = (source.users.rows() as Iterable<unknown>)[Symbol.iterator]().next();
    expect(first.done).toBe(false);
    expect([source.users.count, source.products.count, source.orders.count]).toEqual([10 ** 9, 0, 2]);
  });

  it('makes about the asked share of rows invalid, and none when the rate is 0', () => {
    const rows = all(generate(options));
    const valid = (row: unknown) =>
      typeof row === 'object' && row !== null && /^(User|Product) \d+$|^$/.test(String((row as { name?: unknown }).name ?? ''));
    const users = rows.users as Record<string, unknown>[];
    const defective = users.filter(
      (row, i) => JSON.stringify(row) !== JSON.stringify({ id: i + 1, name: `User ${i + 1}`, email: `user${i + 1}@example.com` }),
    );
    expect(defective.length / users.length).toBeGreaterThan(0.2);
    expect(defective.length / users.length).toBeLessThan(0.4);
    const clean = all(generate({ ...options, invalidRate: 0 }));
    expect((clean.users as unknown[]).every(valid)).toBe(true);
  });

  it('has valid orders mostly reference users and products their streams reach first, at the same share', () => {
    const { sizes } = options;
    const orders = all(generate({ ...options, invalidRate: 0 })).orders as { user_id: number; product_id: number }[];
    const reached = (i: number, size: number) => Math.ceil(((i + 1) / sizes.orders) * size);
    const early = orders.filter((o, i) => o.user_id <= reached(i, sizes.users) && o.product_id <= reached(i, sizes.products));
    expect(early.length / orders.length).toBeGreaterThan(0.95);
    expect(early.length).toBeLessThan(orders.length);
    expect(orders.every((o) => o.user_id >= 1 && o.user_id <= sizes.users && o.product_id >= 1 && o.product_id <= sizes.products)).toBe(
      true,
    );
  });

  it('has valid orders reference users without a defect, bar the few that reference one anywhere', () => {
    const { users, orders } = all(generate(options)) as { users: unknown[]; orders: ({ user_id?: unknown } | null)[] };
    const clean = (i: number) =>
      JSON.stringify(users[i]) === JSON.stringify({ id: i + 1, name: `User ${i + 1}`, email: `user${i + 1}@example.com` });
    const references = orders
      .map((o) => o?.user_id)
      .filter((id): id is number => Number.isInteger(id) && (id as number) >= 1 && (id as number) <= 300);
    const toDefective = references.filter((id) => !clean(id - 1));
    expect(references.length).toBeGreaterThan(300);
    expect(toDefective.length / references.length).toBeLessThan(0.02);
  });
});

describe('parseSizes', () => {
  it('reads table sizes, a table left out getting none', () => {
    expect(parseSizes('users=20000,orders=5')).toEqual({ users: 20000, products: 0, orders: 5 });
  });

  it.each([
    ['users', /--generate takes users=N,products=M,orders=K/],
    ['carts=3', /"carts" is not one of users, products, orders/],
    ['user=3', /did you mean users\?/],
    ['users=1,users=2', /"users" is given twice/],
    ['users=-1', /users=-1: a count of rows is a whole number/],
    ['users=1.5', /users=1.5: a count of rows is a whole number/],
  ])('refuses %j, saying why', (spec, why) => {
    expect(() => parseSizes(spec)).toThrow(why);
  });
});

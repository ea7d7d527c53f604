import { reasonsPerRow, select, useTempStore } from '@dbsim/node-runtime/testing';
import { describe, expect, it } from 'vitest';
import { productsNode } from './app.js';

const temp = useTempStore(productsNode);

const insert = (...rows: unknown[]) => reasonsPerRow(temp.store, rows);

const product = (id: number, price: unknown, name = 'Thing') => ({ id, name, price });

describe('products validation', () => {
  it('stores exact integer cents', () => {
    expect(insert(product(1, 19.99), product(2, 0.29), product(3, 1000), product(4, 0.07), product(5, 1_000_000_000))).toEqual([
      [],
      [],
      [],
      [],
      [],
    ]);
    expect(select(temp.store, 'select id, price_cents from products order by id')).toEqual([
      { id: 1, price_cents: 1999 },
      { id: 2, price_cents: 29 },
      { id: 3, price_cents: 100000 },
      { id: 4, price_cents: 7 },
      { id: 5, price_cents: 100_000_000_000 },
    ]);
  });

  it('rejects an empty name as name_empty; names need not be unique', () => {
    expect(insert(product(1, 1, ''), product(2, 1, '  '), product(3, 1, 'Laptop'), product(4, 1, 'Laptop'))).toEqual([
      ['name_empty'],
      ['name_empty'],
      [],
      [],
    ]);
  });

  it('rejects a price below zero as price_negative', () => {
    expect(insert(product(1, -50), product(2, -0.01), product(3, 0))).toEqual([['price_negative'], ['price_negative'], []]);
  });

  it('rejects a price with more than 2 decimals, above 1,000,000,000, or not finite as price_invalid', () => {
    expect(insert(product(1, 1.005), product(2, 1_000_000_000.01), product(3, Number.POSITIVE_INFINITY), product(4, 0.1 + 0.2))).toEqual([
      ['price_invalid'],
      ['price_invalid'],
      ['price_invalid'],
      ['price_invalid'],
    ]);
  });

  it('gives a negative price with too many decimals both reasons', () => {
    expect(insert(product(1, -1.234), product(2, Number.NEGATIVE_INFINITY))).toEqual([
      ['price_negative', 'price_invalid'],
      ['price_negative', 'price_invalid'],
    ]);
  });

  it('rejects a price that is not a number as field_type', () => {
    expect(insert(product(1, '19.99'), product(2, null))).toEqual([['field_type'], ['field_type']]);
  });
});

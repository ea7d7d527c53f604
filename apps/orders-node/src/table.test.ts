import { fileURLToPath } from 'node:url';
import type { NodeStore, Resolved } from '@dbsim/node-runtime';
import { answers, openTempStore } from '@dbsim/node-runtime/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ordersSpec } from './table.js';

const MIGRATIONS = fileURLToPath(new URL('../drizzle', import.meta.url));
let store: NodeStore;
let cleanup: () => void;

beforeEach(() => {
  ({ store, cleanup } = openTempStore(ordersSpec, MIGRATIONS));
});
afterEach(() => cleanup());

/** Users 1-3 and products 1-3 exist on their nodes. */
const known: Resolved = answers({ user_id: [1, 2, 3], product_id: [1, 2, 3] });

function insert(...rows: unknown[]): string[][] {
  const result = store.apply({ producer: 1, offset: 0, rows }, known);
  if (result.kind !== 'applied') throw new Error(result.kind);
  const byPosition = new Map(result.rejections.map((r) => [r.position, r.reasons]));
  return rows.map((_, i) => byPosition.get(i) ?? []);
}

const order = (id: number, quantity: unknown, user_id = 1, product_id = 1) => ({ id, user_id, product_id, quantity });

describe('orders validation', () => {
  it('accepts an order for a known user and product', () => {
    expect(insert(order(1, 2), order(2, 1_000_000))).toEqual([[], []]);
  });

  it('rejects a quantity below 1 as quantity_not_positive', () => {
    expect(insert(order(1, 0), order(2, -1))).toEqual([['quantity_not_positive'], ['quantity_not_positive']]);
  });

  it('rejects a quantity that is not an integer or above 1,000,000 as quantity_invalid', () => {
    expect(insert(order(1, 1.5), order(2, 1_000_001), order(3, 0.5))).toEqual([
      ['quantity_invalid'],
      ['quantity_invalid'],
      ['quantity_invalid', 'quantity_not_positive'],
    ]);
  });

  it('rejects references the owning nodes did not find as user_missing and product_missing', () => {
    expect(insert(order(1, 1, 9, 1), order(2, 1, 1, 9), order(3, 1, 9, 9), order(4, 1, -1, 0))).toEqual([
      ['user_missing'],
      ['product_missing'],
      ['user_missing', 'product_missing'],
      ['user_missing', 'product_missing'],
    ]);
  });

  it('does not call a mistyped reference missing', () => {
    expect(insert({ id: 1, user_id: '1', product_id: 1, quantity: 1 })).toEqual([['field_type']]);
  });
});

import type { Resolved } from '@dbsim/node-runtime';
import { answers, reasonsPerRow, useTempStore } from '@dbsim/node-runtime/testing';

import { NAMES } from '@dbsim/protocol';
import { describe, expect, it } from 'vitest';
import { ordersNode } from './app.js';
import { ordersSpec } from './table.js';

const temp = useTempStore(ordersNode);

/** Users 1-3 and products 1-3 exist on their nodes. */
const known: Resolved = answers({ user_id: [1, 2, 3], product_id: [1, 2, 3] });

const insert = (...rows: unknown[]) => reasonsPerRow(temp.store, rows, known);

const order = (id: number, quantity: unknown, user_id = 1, product_id = 1) => ({ id, user_id, product_id, quantity });

describe('orders validation', () => {
  it('names the nodes the orchestrator paces its stream by', () => {
    expect(ordersSpec.references?.map((reference) => reference.node)).toEqual(NAMES.orders);
  });

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

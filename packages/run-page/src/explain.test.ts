import { describe, expect, it } from 'vitest';
import { explainRejections, type Rejected, RejectionIndex, type Shapes } from './explain.js';

const shapes: Shapes = {
  users: { fields: ['id', 'name', 'email'], references: [] },
  products: { fields: ['id', 'name', 'price'], references: [] },
  orders: {
    fields: ['id', 'user_id', 'product_id', 'quantity'],
    references: [
      { field: 'user_id', owner: 'users', reason: 'user_missing' },
      { field: 'product_id', owner: 'products', reason: 'product_missing' },
    ],
  },
};

const user8: Rejected = {
  table: 'users',
  id: 8,
  position: 7,
  batch: 0,
  reasons: ['email_duplicate'],
  takenBy: { email_duplicate: 1 },
  row: '{"id":8,"name":"Alice","email":"alice@example.com"}',
};
const order8: Rejected = {
  table: 'orders',
  id: 8,
  position: 7,
  batch: 10,
  reasons: ['user_missing', 'product_missing'],
  row: '{"id":8,"user_id":8,"product_id":11,"quantity":1e309}',
};

describe('why a row was rejected', () => {
  it('follows a reference to the owner’s rejected row and its cause, and names the row holding a duplicate key', () => {
    expect(explainRejections(new RejectionIndex([order8, user8]), shapes, 'orders', '8')).toEqual([
      'order 8 (row 8 of the orders stream, held back until the stream’s seal decided it): {"id":8,"user_id":8,"product_id":11,"quantity":1e309}',
      '  rejected for user_missing: users-node rejected user 8:',
      '    user 8 (row 8 of the users stream, in the batch from row 1): {"id":8,"name":"Alice","email":"alice@example.com"}',
      '      rejected for email_duplicate: alice@example.com was taken by user 1',
      '  rejected for product_missing: products-node holds no product 11: no row of the products stream had that id',
    ]);
  });

  it('does not call a referenced row never seen when its table’s rejections are not all at hand', () => {
    const lines = explainRejections(new RejectionIndex([order8]), shapes, 'orders', '8', (table) => table !== 'users');
    expect(lines[1]).toBe('  rejected for user_missing: users-node did not accept user 8 (why is beyond the rows this page holds)');
  });

  it('finds an id given as a string as written, and none for an id no rejected row has', () => {
    const named: Rejected = { ...user8, id: 'x7', position: 1, batch: undefined, reasons: ['id_invalid'], row: '{"id":"x7"}' };
    const index = new RejectionIndex([named]);
    expect(explainRejections(index, shapes, 'users', 'x7')).toEqual([
      'user "x7" (row 2 of the users stream): {"id":"x7"}',
      '  rejected for id_invalid: its id "x7" is not a positive whole number',
    ]);
    expect(explainRejections(index, shapes, 'users', '9')).toEqual([]);
  });
});

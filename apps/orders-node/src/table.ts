import { type InputOf, inputFields, type TableSpec } from '@dbsim/node-runtime';
import { orders } from './schema.js';

export const QUANTITY_MAX = 1_000_000;

export const ordersSpec: TableSpec<typeof orders, InputOf<typeof orders>> = {
  node: 'orders',
  table: orders,
  fields: inputFields(orders),
  rules({ quantity }, reasons) {
    if (quantity !== undefined) {
      if (!Number.isInteger(quantity) || quantity > QUANTITY_MAX) reasons.push('quantity_invalid');
      if (quantity < 1) reasons.push('quantity_not_positive');
    }
  },
  references: [
    { field: 'user_id', node: 'users', reason: 'user_missing' },
    { field: 'product_id', node: 'products', reason: 'product_missing' },
  ],
  toRecord: ({ id, user_id, product_id, quantity }) => ({ id, userId: user_id, productId: product_id, quantity }),
};

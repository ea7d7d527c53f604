import { inputFields, type Reason, type TableSpec } from '@dbsim/node-runtime';
import { orders } from './schema.js';

export const QUANTITY_MAX = 1_000_000;

export const ordersSpec: TableSpec<typeof orders> = {
  node: 'orders',
  table: orders,
  fields: inputFields(orders),
  rules(row, unusable) {
    const reasons: Reason[] = [];
    if (!unusable.has('quantity')) {
      const quantity = row.quantity as number;
      if (!Number.isInteger(quantity) || quantity > QUANTITY_MAX) reasons.push('quantity_invalid');
      if (quantity < 1) reasons.push('quantity_not_positive');
    }
    return reasons;
  },
  references: [
    { field: 'user_id', node: 'users', reason: 'user_missing' },
    { field: 'product_id', node: 'products', reason: 'product_missing' },
  ],
  toRecord: (row) => ({
    id: row.id as number,
    userId: row.user_id as number,
    productId: row.product_id as number,
    quantity: row.quantity as number,
  }),
};

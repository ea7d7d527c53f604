import { integer, sqliteTable } from 'drizzle-orm/sqlite-core';

/** user_id and product_id name rows on other nodes: checked by message, so no foreign keys here. */
export const orders = sqliteTable('orders', {
  id: integer().primaryKey(),
  userId: integer('user_id').notNull(),
  productId: integer('product_id').notNull(),
  quantity: integer().notNull(),
});

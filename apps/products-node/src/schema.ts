import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const products = sqliteTable('products', {
  id: integer().primaryKey(),
  name: text().notNull(),
  /** Exact integer cents: money is never stored as a binary fraction. */
  priceCents: integer('price_cents').notNull(),
});

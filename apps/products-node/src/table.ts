import { inputFields, type Reason, type TableSpec } from '@dbsim/node-runtime';
import { products } from './schema.js';

export const PRICE_MAX = 1_000_000_000;

/** At most two decimals as written: the double nearest to the written price survives a round trip through cents. */
function hasCents(price: number): boolean {
  return Number(price.toFixed(2)) === price;
}

export const productsSpec: TableSpec<typeof products> = {
  node: 'products',
  table: products,
  fields: inputFields(products, { price_cents: 'price' }),
  rules(row, unusable) {
    const reasons: Reason[] = [];
    if (!unusable.has('name') && (row.name as string).trim() === '') reasons.push('name_empty');
    if (!unusable.has('price')) {
      const price = row.price as number;
      if (price < 0) reasons.push('price_negative');
      if (!Number.isFinite(price) || !hasCents(price) || price > PRICE_MAX) reasons.push('price_invalid');
    }
    return reasons;
  },
  // 19.99 * 100 is 1998.9999999999998 in binary floating point; rounding gives the 1999 that was written.
  toRecord: (row) => ({ id: row.id as number, name: row.name as string, priceCents: Math.round((row.price as number) * 100) }),
};

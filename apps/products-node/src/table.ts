import { type InputOf, inputFields, type TableSpec } from '@dbsim/node-runtime';
import { products } from './schema.js';

export const PRICE_MAX = 1_000_000_000;

/** A product as it comes in: the price in currency units, which the table stores as cents. */
type ProductInput = Omit<InputOf<typeof products>, 'price_cents'> & { readonly price: number };

/** At most two decimals as written: the double nearest to the written price survives a round trip through cents. */
function hasCents(price: number): boolean {
  return Number(price.toFixed(2)) === price;
}

export const productsSpec: TableSpec<typeof products, ProductInput> = {
  node: 'products',
  table: products,
  fields: inputFields(products, { price_cents: 'price' }),
  rules({ name, price }, reasons) {
    if (name !== undefined && name.trim() === '') reasons.push('name_empty');
    if (price !== undefined) {
      if (price < 0) reasons.push('price_negative');
      if (!Number.isFinite(price) || !hasCents(price) || price > PRICE_MAX) reasons.push('price_invalid');
    }
  },
  // 19.99 * 100 is 1998.9999999999998 in binary floating point; rounding gives the 1999 that was written.
  toRecord: ({ id, name, price }) => ({ id, name, priceCents: Math.round(price * 100) }),
};

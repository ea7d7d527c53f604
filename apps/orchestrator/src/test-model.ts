import { REASONS, type Reason, type TakenBy } from '@dbsim/protocol';

/**
 * The reference model: the outcome the validation rules imply for a data
 * set, computed in memory, single-threaded, table after table, straight
 * from the rules as the README states them. It shares no code with the
 * nodes on purpose: the property tests hold the distributed system to it.
 */

type Table = 'users' | 'products' | 'orders';
type Row = Record<string, unknown>;
export type DataSet = Record<Table, unknown[]>;

const FIELDS: Record<Table, Record<string, 'number' | 'string'>> = {
  users: { id: 'number', name: 'string', email: 'string' },
  products: { id: 'number', name: 'string', price: 'number' },
  orders: { id: 'number', user_id: 'number', product_id: 'number', quantity: 'number' },
};
const EMAIL =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
const isEmail = (v: unknown): v is string => typeof v === 'string' && v.length <= 254 && EMAIL.test(v);

export function referenceModel(data: DataSet) {
  const stored: Record<Table, Map<number, Row>> = { users: new Map(), products: new Map(), orders: new Map() };
  /** Each email taken, lowercased, and the id of the user that took it. */
  const emails = new Map<string, number>();
  const tables = {} as Record<Table, { received: number; inserted: number; rejected: number; reasons: Record<string, number> }>;
  const rejections: {
    table: Table;
    id: unknown;
    position: number;
    reasons: Reason[];
    takenBy?: TakenBy;
    row: unknown;
  }[] = [];
  for (const table of ['users', 'products', 'orders'] as const) {
    const counts = new Map<Reason, number>();
    data[table].forEach((raw, position) => {
      const why = new Set<Reason>();
      const takenBy: TakenBy = {};
      const row = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Row) : undefined;
      const ok = (field: string) => row !== undefined && Object.hasOwn(row, field) && typeof row[field] === FIELDS[table][field];
      if (row === undefined) why.add('row_malformed');
      else {
        for (const key of Object.keys(row)) if (!Object.hasOwn(FIELDS[table], key)) why.add('field_unknown');
        for (const field of Object.keys(FIELDS[table])) {
          if (!Object.hasOwn(row, field)) why.add('field_missing');
          else if (!ok(field)) why.add('field_type');
        }
        const id = row.id as number;
        if (ok('id') && !(Number.isSafeInteger(id) && id > 0)) why.add('id_invalid');
        else if (ok('id') && stored[table].has(id)) {
          why.add('id_duplicate');
          takenBy.id_duplicate = id;
        }
        const name = row.name as string;
        if (table !== 'orders' && ok('name') && name.trim() === '') why.add('name_empty');
        if (table === 'users' && ok('name') && [...name].length > 200) why.add('name_too_long');
        if (table === 'users' && ok('email') && !isEmail(row.email)) why.add('email_invalid');
        const holder = table === 'users' && isEmail(row.email) && ok('email') ? emails.get(row.email.toLowerCase()) : undefined;
        if (holder !== undefined) {
          why.add('email_duplicate');
          takenBy.email_duplicate = holder;
        }
        const price = row.price as number;
        if (table === 'products' && ok('price') && price < 0) why.add('price_negative');
        if (table === 'products' && ok('price') && !(Number.isFinite(price) && Number(price.toFixed(2)) === price && price <= 1e9))
          why.add('price_invalid');
        const quantity = row.quantity as number;
        if (table === 'orders' && ok('quantity') && !(Number.isInteger(quantity) && quantity <= 1e6)) why.add('quantity_invalid');
        if (table === 'orders' && ok('quantity') && quantity < 1) why.add('quantity_not_positive');
        if (table === 'orders' && ok('user_id') && !stored.users.has(row.user_id as number)) why.add('user_missing');
        if (table === 'orders' && ok('product_id') && !stored.products.has(row.product_id as number)) why.add('product_missing');
      }
      if (row !== undefined && why.size === 0) {
        stored[table].set(row.id as number, row);
        if (table === 'users') emails.set((row.email as string).toLowerCase(), row.id as number);
        return;
      }
      const reasons = REASONS.filter((reason) => why.has(reason));
      for (const reason of reasons) counts.set(reason, (counts.get(reason) ?? 0) + 1);
      const taken = Object.keys(takenBy).length > 0 ? { takenBy } : {};
      rejections.push({ table, id: row?.id ?? null, position, reasons, ...taken, row: raw });
    });
    const received = data[table].length;
    const inserted = stored[table].size;
    const reasons = Object.fromEntries(REASONS.filter((r) => counts.has(r)).map((r) => [r, counts.get(r) ?? 0]));
    tables[table] = { received, inserted, rejected: received - inserted, reasons };
  }
  const byId = (map: Map<number, Row>, record: (row: Row) => Row) =>
    [...map.values()].sort((a, b) => Number(a.id) - Number(b.id)).map(record);
  const rows = {
    users: byId(stored.users, ({ id, name, email }) => ({ id, name, email })),
    products: byId(stored.products, ({ id, name, price }) => ({ id, name, price_cents: Math.round((price as number) * 100) })),
    orders: byId(stored.orders, ({ id, user_id, product_id, quantity }) => ({ id, user_id, product_id, quantity })),
  };
  return { tables, rejections, rows };
}

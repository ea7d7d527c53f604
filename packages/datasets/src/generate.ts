import { pairs, UsageError } from '@dbsim/cli';
import { NODES, type NodeName, perNode } from '@dbsim/protocol';
import { ascii, type JsonBytes } from './json-bytes.js';
import { Random } from './random.js';
import { type DataSource, jsonTexts, type TableSource } from './source.js';

export interface GenerateOptions {
  sizes: Record<NodeName, number>;
  /** The share of rows given a defect, 0..1. */
  invalidRate: number;
  seed: number;
}

type Row = Record<string, unknown>;
/** A defect turns a valid row into one the rules must refuse; `i` is the row's index. */
type Defect = (row: Row, i: number, random: Random) => unknown;

const userEmail = (i: number) => `user${i + 1}@example.com`;

// The fixed text of valid rows, around their numbers: `{"id":1,"name":"User 1","email":"user1@example.com"}`.
const ID = ascii('{"id":');
const USER_NAME = ascii(',"name":"User ');
const USER_EMAIL = ascii('","email":"user');
const USER_END = ascii('@example.com"}');
const PRODUCT_NAME = ascii(',"name":"Product ');
const PRICE = ascii('","price":');
const USER_ID = ascii(',"user_id":');
const PRODUCT_ID = ascii(',"product_id":');
const QUANTITY = ascii(',"quantity":');
const CLOSE = ascii('}');

/** Defects every table can have. */
const common: Defect[] = [
  (row, i, random) => ({ ...row, id: i === 0 ? 1 : random.int(1, i) }), // id of an earlier row
  (row, _, random) => ({ ...row, id: random.pick([0, -7, 1.5, 2 ** 53, '12']) }),
  (row, _, random) => {
    const { [random.pick(Object.keys(row))]: _dropped, ...rest } = row;
    return rest;
  },
  (row) => ({ ...row, colour: 'red' }),
  (row) => JSON.parse(`{"__proto__": {"admin": true}, ${JSON.stringify(row).slice(1)}`),
  (row, _, random) => random.pick([null, 42, 'row', [row]]),
];

const defects: Record<NodeName, Defect[]> = {
  users: [
    ...common,
    (row, i, random) => ({ ...row, email: (i === 0 ? userEmail(0) : userEmail(random.int(0, i - 1))).toUpperCase() }),
    (row, _, random) => ({ ...row, name: random.pick(['', '   ', '\t\n']) }),
    (row, _, random) => ({ ...row, name: 'n'.repeat(random.pick([201, 10_000])) }),
    (row, _, random) => ({ ...row, email: random.pick(['not-an-email', 'a@', '@b.c', 'x y@z.com', "o'brien@@example.com"]) }),
    (row) => ({ ...row, name: "Robert'); DROP TABLE users;--\u0000\u0007" }),
  ],
  products: [
    ...common,
    (row) => ({ ...row, name: '' }),
    (row, _, random) => ({ ...row, price: -random.int(1, 100_000) / 100 }),
    (row, _, random) => ({ ...row, price: random.pick([1.999, 1_000_000_000.01, 5e9, 0.001]) }),
    (row) => ({ ...row, price: '19.99' }),
  ],
  orders: [
    ...common,
    (row, _, random) => ({ ...row, quantity: random.pick([0, -1, -50]) }),
    (row, _, random) => ({ ...row, quantity: random.pick([1.5, 2_000_000, 0.5]) }),
    (row, _, random) => ({ ...row, user_id: random.int(1, 10) * 1_000_000_000 }), // a user that never exists
    (row, _, random) => ({ ...row, product_id: random.int(1, 10) * 1_000_000_000 }),
    (row) => ({ ...row, user_id: -1, product_id: 0 }),
  ],
};

/** The share of valid orders that reference a user or product anywhere in its stream, rather than one already reached. */
export const LATE_REFERENCE_RATE = 0.01;

/** Draws for a valid order's reference before settling for a defective row, when nearly every row is one. */
const REFERENCE_TRIES = 20;

/**
 * A deterministic synthetic data set: the same options give the same rows.
 * Each row draws from its own seeded generator, so whether row i of a table
 * has a defect is known without producing the rows before it. A valid order
 * references a user and a product without a defect, from the part of their
 * streams that comes before it at the same share, as people order after they
 * sign up. One in a hundred references one anywhere instead, maybe later or
 * with a defect, which orders-node must hold back until the owner's stream
 * decides it. So each table gets about the asked share of invalid rows.
 */
export function generate({ sizes, invalidRate, seed }: GenerateOptions): DataSource {
  // A generator per row, reused (Random.items): a row is written whole before the next, and an order peeks at a
  // user's and a product's first draw, never at another order's.
  const rowRandom = perNode((table) => Random.items(seed, table));
  // A row's first draw decides whether it gets a defect.
  const defective = (table: NodeName, i: number) => rowRandom[table](i).chance(invalidRate);
  const referenced = (i: number, table: NodeName, random: Random) => {
    if (random.chance(LATE_REFERENCE_RATE)) return random.int(1, Math.max(1, sizes[table]));
    const reached = Math.max(1, Math.ceil(((i + 1) / sizes.orders) * sizes[table]));
    let id = random.int(1, reached);
    for (let tries = 1; tries < REFERENCE_TRIES && defective(table, id - 1); tries++) id = random.int(1, reached);
    return id;
  };
  // A valid row's JSON, written as bytes straight from its draws: its strings need no escaping, and it is most rows. A
  // row with a defect is this parsed, changed and written again.
  const valid: Record<NodeName, (i: number, random: Random, out: JsonBytes) => void> = {
    users: (i, _, out) => {
      out
        .put(ID)
        .int(i + 1)
        .put(USER_NAME)
        .int(i + 1)
        .put(USER_EMAIL)
        .int(i + 1)
        .put(USER_END);
    },
    products: (i, random, out) => {
      out
        .put(ID)
        .int(i + 1)
        .put(PRODUCT_NAME)
        .int(i + 1)
        .put(PRICE)
        .hundredths(random.int(0, 10_000_000))
        .put(CLOSE);
    },
    orders: (i, random, out) => {
      out
        .put(ID)
        .int(i + 1)
        .put(USER_ID)
        .int(referenced(i, 'users', random));
      out
        .put(PRODUCT_ID)
        .int(referenced(i, 'products', random))
        .put(QUANTITY)
        .int(random.int(1, 20))
        .put(CLOSE);
    },
  };
  const writeJson =
    (table: NodeName, writeValid = valid[table]) =>
    (i: number, out: JsonBytes) => {
      const random = rowRandom[table](i);
      const withDefect = random.chance(invalidRate);
      const start = out.length;
      writeValid(i, random, out);
      if (!withDefect) return;
      const row = JSON.parse(out.toString(start));
      out.length = start;
      out.text(JSON.stringify(random.pick(defects[table])(row, i, random)) ?? 'null');
    };
  const source = (table: NodeName): TableSource => {
    const written = { count: sizes[table], writeJson: writeJson(table) };
    return {
      ...written,
      rows: function* () {
        for (const text of jsonTexts(written)) yield JSON.parse(text);
      },
    };
  };
  return perNode(source);
}

/** Reads `users=N,products=M,orders=K`; a table left out gets no rows. */
export function parseSizes(spec: string): Record<NodeName, number> {
  let given: Partial<Record<NodeName, string>>;
  try {
    given = pairs(NODES)(spec);
  } catch (error) {
    throw new UsageError(`--generate takes users=N,products=M,orders=K: ${(error as Error).message}`, { cause: error });
  }
  return perNode((table) => {
    const text = given[table] ?? '0';
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < 0)
      throw new UsageError(`--generate ${table}=${text}: a count of rows is a whole number, 0 or more`);
    return n;
  });
}

import { customType, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * Tables every node has besides its own: the rejected rows, the delivery
 * record that makes redelivery harmless, and the rows held back. They have
 * migrations of their own (drizzle/, `pnpm --filter @dbsim/node-runtime
 * db:generate`), applied by every node before its table's.
 */

/**
 * How a value of any JSON type is stored as given: integers as INTEGER (better-sqlite3 binds a JS number as a
 * double, so 9 would be the REAL 9.0), other numbers and strings natively, the rest as JSON text.
 */
function asGivenValue(value: unknown): bigint | number | string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : value;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** BLOB affinity: SQLite keeps an integer an integer and a string a string, as given. */
const asGiven = customType<{ data: unknown; driverData: bigint | number | string | null }>({
  dataType: () => 'blob',
  toDriver: asGivenValue,
});

export const rejections = sqliteTable(
  'rejections',
  {
    producer: integer().notNull(),
    /** The row's place in its producer's stream: a logical time that is the same on every run. */
    position: integer().notNull(),
    /** The id exactly as the row gave it, or NULL when it gave none. */
    id: asGiven('id'),
    row: text().notNull(),
    reasons: text().notNull(),
    /**
     * The offset of the batch whose transaction decided the row: a held-back row is decided by the sealing batch.
     * Rows rejected before this column existed read 0.
     */
    batch: integer().notNull().default(0),
    rejectedAt: integer('rejected_at', { mode: 'timestamp_ms' }).notNull(),
    /** For a duplicate key, the id of the row that holds it, per reason (JSON: `{"email_duplicate":1}`); NULL when none. */
    takenBy: text('taken_by'),
  },
  (table) => [primaryKey({ columns: [table.producer, table.position] })],
);

/** Per producer (one orchestrator run): how far its stream is applied, and whether it has ended. */
export const deliveries = sqliteTable('_deliveries', {
  producer: integer().primaryKey(),
  offset: integer().notNull(),
  sealed: integer({ mode: 'boolean' }).notNull(),
});

/** The outcome of every applied batch, so that a redelivered one gets the same answer. */
export const batches = sqliteTable(
  '_batches',
  {
    producer: integer().notNull(),
    offset: integer().notNull(),
    count: integer().notNull(),
    inserted: integer().notNull(),
    rejected: integer().notNull(),
    /** Rows held back for the sealing batch to decide, as their references were undecided. */
    deferred: integer().notNull().default(0),
  },
  (table) => [primaryKey({ columns: [table.producer, table.offset] })],
);

/**
 * Rows received and acknowledged but not yet decided: a reference the owner
 * could not yet rule in or out, or a unique key shared with such a row. They
 * are decided, in stream order, by the batch that seals the stream.
 */
export const deferred = sqliteTable(
  '_deferred',
  {
    producer: integer().notNull(),
    position: integer().notNull(),
    row: text().notNull(),
  },
  (table) => [primaryKey({ columns: [table.producer, table.position] })],
);

import { createHash } from 'node:crypto';
import { type Payload, REASONS, type Reason, type RejectionRecord, type ReplyTo } from '@dbsim/protocol';
import type Database from 'better-sqlite3';
import { and, asc, count, eq, getTableName, gt, sql } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import { streamRows } from './direct.js';
import { type QueryResult, readOnlyQuery } from './query.js';
import { batches, deferred, rejections } from './schema.js';

export type Stats = Payload<ReplyTo<'stats'>>;
export type Digest = Payload<ReplyTo<'digest'>>;

/** A row held back, in its stream, with the JSON text it is recorded in. */
export interface HeldRow {
  position: number;
  row: unknown;
  text: string;
}

/**
 * What a node's file says, read: the counts and rejections a run's report
 * is made of, held-back rows, and a fingerprint of the whole outcome.
 */
export class Reads {
  constructor(
    private readonly sqlite: Database.Database,
    private readonly db: BetterSQLite3Database,
    private readonly table: SQLiteTable,
  ) {}

  /** A producer's rows: every one received is inserted, rejected, or still held back. */
  stats(producer: number): Stats {
    const [received] = this.db
      .select({ n: sql<number>`coalesce(sum(${batches.count}), 0)` })
      .from(batches)
      .where(eq(batches.producer, producer))
      .all();
    const [rejected] = this.db.select({ n: count() }).from(rejections).where(eq(rejections.producer, producer)).all();
    const [held] = this.db.select({ n: count() }).from(deferred).where(eq(deferred.producer, producer)).all();
    const totals = { received: received?.n ?? 0, rejected: rejected?.n ?? 0 };
    // One pass over the rejections, a count per reason, with no sort: json_each and GROUP BY sorted every reason
    // every rejection gave, in memory that grew with them. A reason's code in quotes stands for itself alone in the
    // JSON list a rejection keeps, and is there once at most (canonical): rows matched are reasons given.
    const [counts = []] = this.db.values<(number | null)[]>(
      sql`select ${sql.join(
        REASONS.map((reason) => sql`sum(instr(${rejections.reasons}, ${`"${reason}"`}) > 0)`),
        sql`, `,
      )} from ${rejections} where ${rejections.producer} = ${producer}`,
    );
    const reasons = Object.fromEntries(REASONS.flatMap((reason, i) => ((counts[i] ?? 0) > 0 ? [[reason, counts[i]]] : [])));
    return { ...totals, inserted: totals.received - totals.rejected - (held?.n ?? 0), reasons };
  }

  /** One page of a producer's rejections in stream order: at most `limit` rows, and at most PAGE_CHARS of them unless one alone is more. */
  rejections(producer: number, after: number, limit: number): RejectionRecord[] {
    const query = this.db
      .select()
      .from(rejections)
      .where(and(eq(rejections.producer, producer), gt(rejections.position, after)))
      .orderBy(asc(rejections.position))
      .limit(limit);
    return bounded(streamRows<RejectionColumns>(this.sqlite, query), (record) => record.row.length).map(toRejection);
  }

  /** The rejections a batch's transaction decided, in stream order, streamed. */
  *rejectionsDecidedBy(producer: number, offset: number): Generator<RejectionRecord> {
    const decided = this.db
      .select()
      .from(rejections)
      .where(and(eq(rejections.producer, producer), eq(rejections.batch, offset)))
      .orderBy(asc(rejections.position));
    for (const record of streamRows<RejectionColumns>(this.sqlite, decided)) yield toRejection(record);
  }

  /** Every row a producer holds back, streamed. */
  *heldRows(producer: number): Generator<unknown> {
    const held = this.db.select({ row: deferred.row }).from(deferred).where(eq(deferred.producer, producer));
    for (const { row } of streamRows<{ row: string }>(this.sqlite, held)) yield JSON.parse(row);
  }

  /**
   * The first of a producer's held-back rows after position `after`, in
   * stream order: at most `limit` of them, and at most PAGE_CHARS unless one
   * alone is more.
   */
  heldPage(producer: number, limit: number, after = -1): HeldRow[] {
    const query = this.db
      .select({ position: deferred.position, row: deferred.row })
      .from(deferred)
      .where(and(eq(deferred.producer, producer), gt(deferred.position, after)))
      .orderBy(asc(deferred.position))
      .limit(limit);
    const page = bounded(streamRows<{ position: number; row: string }>(this.sqlite, query), (held) => held.row.length);
    return page.map(({ position, row }) => ({ position, row: JSON.parse(row), text: row }));
  }

  /** Every id the table holds. */
  ids(): IterableIterator<number> {
    return this.sqlite
      .prepare(this.db.select({ id: sql`id` }).from(this.table).toSQL().sql)
      .pluck()
      .iterate() as IterableIterator<number>;
  }

  /** A person's read-only SQL (dbsim query). */
  query(sql: string, limit: number): QueryResult {
    return readOnlyQuery(this.sqlite, sql, limit);
  }

  /** Rows held and rows rejected over all producers. */
  counts(): { rows: number; rejected: number } {
    const [rows] = this.db.select({ n: count() }).from(this.table).all();
    const [rejected] = this.db.select({ n: count() }).from(rejections).all();
    return { rows: rows?.n ?? 0, rejected: rejected?.n ?? 0 };
  }

  /**
   * A SHA-256 over the table's rows in id order and the rejections in stream
   * order (without when they happened): equal digests mean equal outcomes.
   */
  digest(): Digest {
    const hash = createHash('sha256');
    const feed = (query: string) => {
      let n = 0;
      for (const row of this.sqlite.prepare(query).raw().iterate()) {
        hash.update(`${JSON.stringify(row)}\n`);
        n++;
      }
      return n;
    };
    const rows = feed(`select * from "${getTableName(this.table)}" order by id`);
    hash.update('--\n');
    const rejected = feed('select producer, position, id, row, reasons from rejections order by producer, position');
    return { rows, rejections: rejected, sha256: hash.digest('hex') };
  }
}

/** How many characters of rows a page holds at most, whatever their count: a page of 5 MB rows is one row. */
const PAGE_CHARS = 4 * 1024 * 1024;

/** The first rows of `rows` that fit in PAGE_CHARS, one at least. */
function bounded<T>(rows: Iterable<T>, chars: (row: T) => number): T[] {
  const page: T[] = [];
  let total = 0;
  for (const row of rows) {
    total += chars(row);
    if (page.length > 0 && total > PAGE_CHARS) break;
    page.push(row);
  }
  return page;
}

/** A row of the rejections table as SQLite gives it, streamed past drizzle's mapping: keyed by column name. */
interface RejectionColumns {
  position: number;
  id: unknown;
  reasons: string;
  row: string;
  taken_by: string | null;
}

function toRejection(record: RejectionColumns): RejectionRecord {
  const { position, id, row } = record;
  const rejection: RejectionRecord = { position, id, reasons: JSON.parse(record.reasons) as Reason[], row };
  if (record.taken_by !== null) rejection.takenBy = JSON.parse(record.taken_by) as RejectionRecord['takenBy'];
  return rejection;
}

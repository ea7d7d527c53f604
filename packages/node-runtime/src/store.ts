import { createHash } from 'node:crypto';
import type { Reason } from '@dbsim/protocol';
import Database from 'better-sqlite3';
import { and, asc, count, desc, eq, getTableColumns, getTableName, gt, Param, Placeholder, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { canonical, checkShape, isRecordId } from './fields.js';
import { asGivenValue, batches, deliveries, rejections } from './schema.js';
import type { TableSpec, UniqueKey } from './table-spec.js';

/** SQLite's synchronous setting: `normal` survives a process crash, `full` also a power loss. */
export type Durability = 'normal' | 'full';

export interface Batch {
  producer: number;
  offset: number;
  rows: readonly unknown[];
  seal?: boolean | undefined;
}

export interface BatchOutcome {
  offset: number;
  count: number;
  inserted: number;
  rejected: number;
}

export interface Rejection {
  position: number;
  id: unknown;
  reasons: Reason[];
  row: unknown;
}

export type ApplyResult =
  | { kind: 'applied'; outcome: BatchOutcome; rejections: Rejection[]; acceptedIds: number[] }
  | { kind: 'repeat'; outcome: BatchOutcome }
  | { kind: 'out_of_order'; expected: number; sealed: boolean };

export interface DeliveryState {
  producer: number;
  offset: number;
  sealed: boolean;
}

/** Ids found per reference field, as the owning nodes answered. */
export type Resolved = ReadonlyMap<string, ReadonlySet<number>>;

const idKey = (spec: TableSpec): UniqueKey => ({
  field: 'id',
  reason: 'id_duplicate',
  key: (value) => (isRecordId(value) ? value : undefined),
  stored: spec.table.id,
});

/**
 * A node's SQLite file, seen through its table spec. Every batch is applied
 * in one transaction together with its rejections and the new high-water
 * mark, so a batch is either wholly applied and recorded or not at all.
 */
export class NodeStore {
  readonly #sqlite: Database.Database;
  readonly #db;
  readonly #keys: UniqueKey[];
  readonly #taken;
  readonly #insertRow;
  readonly #found;
  readonly #insertRejection;
  readonly #apply;

  constructor(
    readonly spec: TableSpec,
    file: string,
    migrationsFolder: string,
    durability: Durability = 'full',
  ) {
    this.#sqlite = new Database(file);
    this.#sqlite.pragma('journal_mode = WAL');
    this.#sqlite.pragma(`synchronous = ${durability.toUpperCase()}`);
    this.#db = drizzle({ client: this.#sqlite });
    migrate(this.#db, { migrationsFolder });

    const { table } = spec;
    this.#keys = [idKey(spec), ...(spec.unique ?? [])];
    this.#taken = this.#keys.map((key) =>
      this.#db
        .select({ one: sql`1` })
        .from(table)
        .where(sql`${key.stored} = ${sql.placeholder('key')}`)
        .limit(1)
        .prepare(),
    );
    // The hot statement: drizzle writes its SQL from the schema, better-sqlite3 runs it without a mapping layer per row.
    // The insert itself checks the unique keys (each has a unique index): a conflict inserts nothing.
    const placeholders = Object.fromEntries(Object.keys(getTableColumns(table)).map((name) => [name, sql.placeholder(name)]));
    const insert = this.#db.insert(table).values(placeholders).onConflictDoNothing().toSQL();
    const statement = this.#sqlite.prepare(insert.sql);
    const columns = insert.params.map((param) => {
      if (!(param instanceof Param && param.value instanceof Placeholder)) throw new Error(`unexpected parameter in ${insert.sql}`);
      return { field: param.value.name, encoder: param.encoder };
    });
    this.#insertRow = (record: Record<string, unknown>) =>
      statement.run(columns.map(({ field, encoder }) => (encoder ? encoder.mapToDriverValue(record[field]) : record[field])));
    // One statement per lookup, however many ids it asks about.
    const found = this.#db
      .select({ id: table.id })
      .from(table)
      .where(sql`${table.id} in (select value from json_each(${sql.placeholder('ids')}))`)
      .toSQL();
    this.#found = this.#sqlite.prepare(found.sql).pluck();
    this.#insertRejection = this.#db
      .insert(rejections)
      .values({
        producer: sql.placeholder('producer'),
        position: sql.placeholder('position'),
        id: sql.placeholder('id'),
        row: sql.placeholder('row'),
        reasons: sql.placeholder('reasons'),
        rejectedAt: sql.placeholder('rejectedAt'),
      })
      .prepare();
    this.#apply = this.#sqlite.transaction((batch: Batch, resolved: Resolved) => this.#applyInTransaction(batch, resolved));
  }

  /**
   * Applies a batch at the producer's high-water mark; a batch seen before is
   * answered from its record and changes nothing.
   */
  apply(batch: Batch, resolved: Resolved = new Map()): ApplyResult {
    return this.#apply.immediate(batch, resolved);
  }

  /** The newest producer's delivery state; producer 0 when none has written yet. */
  latest(): DeliveryState {
    const [row] = this.#db.select().from(deliveries).orderBy(sql`${deliveries.producer} desc`).limit(1).all();
    return row ?? { producer: 0, offset: 0, sealed: false };
  }

  state(producer: number): DeliveryState {
    const [row] = this.#db.select().from(deliveries).where(eq(deliveries.producer, producer)).all();
    return row ?? { producer, offset: 0, sealed: false };
  }

  /** A producer's stream is over once it is sealed or a newer producer has begun. */
  streamEnded(producer: number): boolean {
    return this.state(producer).sealed || this.latest().producer > producer;
  }

  /** The ids among these that the table holds. */
  found(ids: Iterable<number>): number[] {
    return this.#found.all(JSON.stringify([...ids])) as number[];
  }

  stats(producer: number): { received: number; inserted: number; rejected: number; reasons: Partial<Record<Reason, number>> } {
    const [totals] = this.#db
      .select({
        received: sql<number>`coalesce(sum(${batches.count}), 0)`,
        inserted: sql<number>`coalesce(sum(${batches.inserted}), 0)`,
        rejected: sql<number>`coalesce(sum(${batches.rejected}), 0)`,
      })
      .from(batches)
      .where(eq(batches.producer, producer))
      .all();
    const byReason = this.#db.all<{ reason: Reason; n: number }>(
      sql`select value as reason, count(*) as n from ${rejections}, json_each(${rejections.reasons})
          where ${rejections.producer} = ${producer} group by value`,
    );
    const reasons = Object.fromEntries(canonical(byReason.map((r) => r.reason)).map((reason) => [reason, 0]));
    for (const { reason, n } of byReason) reasons[reason] = n;
    return { received: 0, inserted: 0, rejected: 0, ...totals, reasons };
  }

  /** One page of a producer's rejections in stream order. */
  rejections(producer: number, after: number, limit: number): Rejection[] {
    return this.#db
      .select()
      .from(rejections)
      .where(and(eq(rejections.producer, producer), gt(rejections.position, after)))
      .orderBy(asc(rejections.position))
      .limit(limit)
      .all()
      .map((r) => ({ position: r.position, id: r.id, reasons: JSON.parse(r.reasons) as Reason[], row: JSON.parse(r.row) }));
  }

  /** The newest batch applied for a producer, if any. */
  lastBatch(producer: number): BatchOutcome | undefined {
    const [record] = this.#db.select().from(batches).where(eq(batches.producer, producer)).orderBy(desc(batches.offset)).limit(1).all();
    return record && outcomeOf(record);
  }

  /**
   * A SHA-256 over the table's rows in id order and the rejections in stream
   * order (without when they happened): equal digests mean equal outcomes.
   */
  digest(): { rows: number; rejections: number; sha256: string } {
    const hash = createHash('sha256');
    const feed = (query: string) => {
      let n = 0;
      for (const row of this.#sqlite.prepare(query).raw().iterate()) {
        hash.update(`${JSON.stringify(row)}\n`);
        n++;
      }
      return n;
    };
    const rows = feed(`select * from "${getTableName(this.spec.table)}" order by id`);
    hash.update('--\n');
    const rejections = feed('select producer, position, id, row, reasons from rejections order by producer, position');
    return { rows, rejections, sha256: hash.digest('hex') };
  }

  /** Rows held and rows rejected over all producers. */
  counts(): { rows: number; rejected: number } {
    const [rows] = this.#db.select({ n: count() }).from(this.spec.table).all();
    const [rejected] = this.#db.select({ n: count() }).from(rejections).all();
    return { rows: rows?.n ?? 0, rejected: rejected?.n ?? 0 };
  }

  close(): void {
    if (this.#sqlite.open) this.#sqlite.close();
  }

  #applyInTransaction(batch: Batch, resolved: Resolved): ApplyResult {
    const { producer, offset, rows } = batch;
    const [record] = this.#db
      .select()
      .from(batches)
      .where(and(eq(batches.producer, producer), eq(batches.offset, offset)))
      .all();
    if (record) return { kind: 'repeat', outcome: outcomeOf(record) };
    const state = this.state(producer);
    if (offset !== state.offset || state.sealed) return { kind: 'out_of_order', expected: state.offset, sealed: state.sealed };

    const rejected: Rejection[] = [];
    const acceptedIds: number[] = [];
    const rejectedAt = new Date();
    rows.forEach((raw, index) => {
      const { row, reasons, unusable } = checkShape(raw, this.spec.fields);
      if (row) {
        if (!unusable.has('id') && !isRecordId(row.id)) reasons.push('id_invalid');
        reasons.push(...this.spec.rules(row, unusable));
        for (const ref of this.spec.references ?? []) {
          if (!unusable.has(ref.field) && !resolved.get(ref.field)?.has(row[ref.field] as number)) reasons.push(ref.reason);
        }
        // A row valid so far is inserted, unique keys and all, in one statement; only a conflict, or a row rejected
        // anyway (it gets every reason that applies), needs its keys looked up one by one.
        if (reasons.length === 0 && this.#insertRow(this.spec.toRecord(row)).changes === 1) {
          acceptedIds.push(row.id as number);
          return;
        }
        this.#keys.forEach((unique, k) => {
          const key = unusable.has(unique.field) ? undefined : unique.key(row[unique.field]);
          if (key !== undefined && this.#taken[k]?.get({ key }) !== undefined) reasons.push(unique.reason);
        });
        if (reasons.length === 0)
          throw new Error(`row ${offset + index} conflicts with a unique index that no unique key of the spec describes`);
      }
      const position = offset + index;
      const rejection = { position, id: row?.id ?? null, reasons: canonical(reasons), row: raw };
      rejected.push(rejection);
      this.#insertRejection.run({
        producer,
        position,
        id: asGivenValue(rejection.id),
        row: JSON.stringify(raw) ?? 'null',
        reasons: JSON.stringify(rejection.reasons),
        rejectedAt,
      });
    });

    const outcome = { offset, count: rows.length, inserted: acceptedIds.length, rejected: rejected.length };
    this.#db
      .insert(batches)
      .values({ producer, ...outcome })
      .run();
    const next = { offset: offset + rows.length, sealed: batch.seal === true };
    this.#db
      .insert(deliveries)
      .values({ producer, ...next })
      .onConflictDoUpdate({ target: deliveries.producer, set: next })
      .run();
    return { kind: 'applied', outcome, rejections: rejected, acceptedIds };
  }
}

function outcomeOf(record: typeof batches.$inferSelect): BatchOutcome {
  return { offset: record.offset, count: record.count, inserted: record.inserted, rejected: record.rejected };
}

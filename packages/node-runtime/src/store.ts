import { createHash } from 'node:crypto';
import { isRecordId, type Reason } from '@dbsim/protocol';
import Database from 'better-sqlite3';
import { and, asc, count, desc, eq, getTableColumns, getTableName, gt, lte, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { prepareDirect } from './direct.js';
import { canonical, checkShape, type Row } from './fields.js';
import { IdSet } from './id-set.js';
import { batches, deferred, deliveries, rejections } from './schema.js';
import type { TableSpec, UniqueKey } from './table-spec.js';

/**
 * SQLite's page cache, 4 times its default: a batch's inserts and lookups
 * land all over the indexes, and with 2 MB many of them miss the cache. Small
 * and fixed, so that memory hardly grows with the data.
 */
const CACHE_KIB = 8000;

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
  deferred: number;
}

export interface Rejection {
  position: number;
  id: unknown;
  reasons: Reason[];
  row: unknown;
}

/** What a transaction decided: the rows it rejected and the ids it accepted. */
export interface Decisions {
  rejections: Rejection[];
  acceptedIds: number[];
}

/** A row held back, as heldBack gives it. */
export interface HeldRow {
  position: number;
  row: unknown;
}

export type ApplyResult =
  | ({ kind: 'applied'; outcome: BatchOutcome } & Decisions)
  | { kind: 'repeat'; outcome: BatchOutcome }
  | { kind: 'out_of_order'; expected: number; sealed: boolean };

export interface DeliveryState {
  producer: number;
  offset: number;
  sealed: boolean;
}

/** What an owning node answered about the ids of one reference field. */
export interface Answer {
  found: ReadonlySet<number>;
  /** Neither held nor ruled out yet: the owner's stream may still bring them. */
  undecided: ReadonlySet<number>;
}

/** The owners' answers per reference field; an id in neither set is missing. */
export type Resolved = ReadonlyMap<string, Answer>;

type Key = string | number;
/** A row's value of each unique key, undefined where the value cannot be one. */
type Keys = (Key | undefined)[];
type Verdict = { kind: 'accepted'; id: number } | { kind: 'deferred' } | { kind: 'rejected'; rejection: Rejection };

const PAGE = 1000;

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
  readonly #allIds;
  readonly #insertRejection;
  readonly #insertDeferred;
  readonly #apply;
  readonly #decideHeldBack;
  /** The ids the table holds, read once the first lookup comes and kept up to date as batches commit. */
  #ids: IdSet | undefined;
  /** The unique keys of the rows held back, per key: a later row sharing one must wait its turn behind them. */
  #deferredKeys: { producer: number; keys: Set<Key>[] } | undefined;

  constructor(
    readonly spec: TableSpec,
    file: string,
    migrationsFolder: string,
    durability: Durability = 'full',
  ) {
    this.#sqlite = new Database(file);
    this.#sqlite.pragma('journal_mode = WAL');
    this.#sqlite.pragma(`synchronous = ${durability.toUpperCase()}`);
    this.#sqlite.pragma(`cache_size = -${CACHE_KIB}`);
    this.#db = drizzle({ client: this.#sqlite });
    migrate(this.#db, { migrationsFolder });

    const { table } = spec;
    this.#keys = [idKey(spec), ...(spec.unique ?? [])];
    this.#taken = this.#keys.map((key) =>
      prepareDirect(
        this.#sqlite,
        this.#db
          .select({ one: sql`1` })
          .from(table)
          .where(sql`${key.stored} = ${sql.placeholder('key')}`)
          .limit(1),
      ),
    );
    // The insert itself checks the unique keys (each has a unique index): a conflict inserts nothing.
    const placeholders = Object.fromEntries(Object.keys(getTableColumns(table)).map((name) => [name, sql.placeholder(name)]));
    this.#insertRow = prepareDirect(this.#sqlite, this.#db.insert(table).values(placeholders).onConflictDoNothing());
    this.#allIds = this.#sqlite.prepare(this.#db.select({ id: table.id }).from(table).toSQL().sql).pluck();
    this.#insertRejection = prepareDirect(
      this.#sqlite,
      this.#db.insert(rejections).values({
        producer: sql.placeholder('producer'),
        position: sql.placeholder('position'),
        id: sql.placeholder('id'),
        row: sql.placeholder('row'),
        reasons: sql.placeholder('reasons'),
        batch: sql.placeholder('batch'),
        rejectedAt: sql.placeholder('rejectedAt'),
      }),
    );
    this.#insertDeferred = prepareDirect(
      this.#sqlite,
      this.#db
        .insert(deferred)
        .values({ producer: sql.placeholder('producer'), position: sql.placeholder('position'), row: sql.placeholder('row') }),
    );
    this.#apply = this.#sqlite.transaction((batch: Batch, resolved: Resolved) => this.#applyInTransaction(batch, resolved));
    this.#decideHeldBack = this.#sqlite.transaction((producer: number, offset: number, rows: readonly HeldRow[], resolved: Resolved) => {
      const decisions = this.#decisions(producer, offset);
      for (const { position, row } of rows) decisions.tally(this.#decide(producer, position, row, resolved, false));
      this.#db
        .delete(deferred)
        .where(and(eq(deferred.producer, producer), lte(deferred.position, rows.at(-1)?.position ?? -1)))
        .run();
      return decisions;
    });
  }

  /**
   * Applies a batch at the producer's high-water mark; a batch seen before is
   * answered from its record and changes nothing.
   */
  apply(batch: Batch, resolved: Resolved = new Map()): ApplyResult {
    try {
      const result = this.#apply.immediate(batch, resolved);
      if (result.kind === 'applied') this.#committed(result.acceptedIds);
      return result;
    } catch (error) {
      this.#deferredKeys = undefined; // rolled back: read them again from the table
      throw error;
    }
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

  /** The ids among these that the table holds, answered from memory: one B-tree probe per id costs more than the insert. */
  found(ids: Iterable<number>): number[] {
    if (this.#ids === undefined) {
      this.#ids = new IdSet();
      for (const id of this.#allIds.iterate() as IterableIterator<number>) this.#ids.add(id);
    }
    const held = this.#ids;
    return [...ids].filter((id) => held.has(id));
  }

  #committed(acceptedIds: readonly number[]): void {
    if (this.#ids !== undefined) for (const id of acceptedIds) this.#ids.add(id);
  }

  /** A producer's rows: every one received is inserted, rejected, or still held back. */
  stats(producer: number): { received: number; inserted: number; rejected: number; reasons: Partial<Record<Reason, number>> } {
    const [received] = this.#db
      .select({ n: sql<number>`coalesce(sum(${batches.count}), 0)` })
      .from(batches)
      .where(eq(batches.producer, producer))
      .all();
    const [rejected] = this.#db.select({ n: count() }).from(rejections).where(eq(rejections.producer, producer)).all();
    const [held] = this.#db.select({ n: count() }).from(deferred).where(eq(deferred.producer, producer)).all();
    const totals = { received: received?.n ?? 0, rejected: rejected?.n ?? 0 };
    const byReason = this.#db.all<{ reason: Reason; n: number }>(
      sql`select value as reason, count(*) as n from ${rejections}, json_each(${rejections.reasons})
          where ${rejections.producer} = ${producer} group by value`,
    );
    const reasons = Object.fromEntries(canonical(byReason.map((r) => r.reason)).map((reason) => [reason, 0]));
    for (const { reason, n } of byReason) reasons[reason] = n;
    return { ...totals, inserted: totals.received - totals.rejected - (held?.n ?? 0), reasons };
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
      .map(toRejection);
  }

  /** The newest batch applied for a producer, if any. */
  lastBatch(producer: number): BatchOutcome | undefined {
    const [record] = this.#db.select().from(batches).where(eq(batches.producer, producer)).orderBy(desc(batches.offset)).limit(1).all();
    return record && outcomeOf(record);
  }

  /** The rejections a batch's transaction decided, in stream order, a page at a time. */
  rejectionsDecidedBy(producer: number, offset: number): Generator<Rejection> {
    return paged((after, limit) =>
      this.#db
        .select()
        .from(rejections)
        .where(and(eq(rejections.producer, producer), eq(rejections.batch, offset), gt(rejections.position, after)))
        .orderBy(asc(rejections.position))
        .limit(limit)
        .all()
        .map(toRejection),
    );
  }

  /**
   * The first held-back rows of a producer's stream, in stream order, for the
   * sealing batch at `offset` to decide; none unless every batch before it
   * has been applied and the stream is not sealed yet.
   */
  heldBack(producer: number, offset: number, limit: number): HeldRow[] {
    const state = this.state(producer);
    return state.offset !== offset || state.sealed ? [] : this.#heldPage(producer, -1, limit);
  }

  /**
   * Decides held-back rows, as heldBack gave them, with the owners' final
   * answers, in one transaction; their rejections count as decided by the
   * sealing batch at `offset`.
   */
  decideHeldBack(producer: number, offset: number, rows: readonly HeldRow[], resolved: Resolved): Decisions {
    const decisions = this.#decideHeldBack.immediate(producer, offset, rows, resolved);
    this.#committed(decisions.acceptedIds);
    return decisions;
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

    if (batch.seal && this.heldBack(producer, offset, 1).length > 0) throw new Error('held-back rows must be decided before the seal');
    const decisions = this.#decisions(producer, offset);
    rows.forEach((raw, index) => {
      decisions.tally(this.#decide(producer, offset + index, raw, resolved, !batch.seal));
    });
    if (batch.seal) this.#deferredKeys = undefined;
    const { rejections: rejected, acceptedIds } = decisions;
    const outcome = { offset, count: rows.length, inserted: acceptedIds.length, rejected: rejected.length, deferred: decisions.deferred };
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

  /** Collects a transaction's verdicts, recording each rejection as decided by the batch at `offset`. */
  #decisions(producer: number, offset: number): Decisions & { deferred: number; tally(verdict: Verdict): void } {
    const rejectedAt = new Date();
    const decisions = {
      rejections: [] as Rejection[],
      acceptedIds: [] as number[],
      deferred: 0,
      tally: (verdict: Verdict) => {
        if (verdict.kind === 'accepted') decisions.acceptedIds.push(verdict.id);
        else if (verdict.kind === 'deferred') decisions.deferred++;
        else {
          const { rejection } = verdict;
          decisions.rejections.push(rejection);
          this.#insertRejection.run({
            producer,
            ...rejection,
            row: JSON.stringify(rejection.row) ?? 'null',
            reasons: JSON.stringify(rejection.reasons),
            batch: offset,
            rejectedAt,
          });
        }
      },
    };
    return decisions;
  }

  /**
   * One row's fate. A row whose reference the owner cannot decide yet is held
   * back when it may be, and so is every later row sharing a unique key with
   * a held-back one, so that the first of them in stream order wins the key.
   */
  #decide(producer: number, position: number, raw: unknown, resolved: Resolved, mayDefer: boolean): Verdict {
    const { row, reasons, unusable } = checkShape(raw, this.spec.fields);
    if (row) {
      if (!unusable.has('id') && !isRecordId(row.id)) reasons.push('id_invalid');
      reasons.push(...this.spec.rules(row, unusable));
      let undecided = false;
      for (const ref of this.spec.references ?? []) {
        if (unusable.has(ref.field)) continue;
        const value = row[ref.field] as number;
        const answer = resolved.get(ref.field);
        if (answer?.found.has(value)) continue;
        if (answer?.undecided.has(value)) undecided = true;
        else reasons.push(ref.reason);
      }
      const keys = this.#keysOf(row, unusable);
      if (mayDefer) {
        const held = this.#heldKeys(producer);
        if (undecided || keys.some((key, k) => key !== undefined && held[k]?.has(key))) {
          this.#insertDeferred.run({ producer, position, row: JSON.stringify(raw) });
          hold(held, keys);
          return { kind: 'deferred' };
        }
      }
      // A row valid so far is inserted, unique keys and all, in one statement; only a conflict, or a row rejected
      // anyway (it gets every reason that applies), needs its keys looked up one by one.
      if (reasons.length === 0 && this.#insertRow.run(this.spec.toRecord(row)).changes === 1)
        return { kind: 'accepted', id: row.id as number };
      keys.forEach((key, k) => {
        if (key !== undefined && this.#taken[k]?.value({ key }) !== undefined) reasons.push(this.#keys[k]?.reason as Reason);
      });
      if (reasons.length === 0) throw new Error(`row ${position} conflicts with a unique index that no unique key of the spec describes`);
    }
    return { kind: 'rejected', rejection: { position, id: row?.id ?? null, reasons: canonical(reasons), row: raw } };
  }

  /** A producer's held-back rows after a position, in stream order. */
  #heldPage(producer: number, after: number, limit: number): HeldRow[] {
    return this.#db
      .select({ position: deferred.position, row: deferred.row })
      .from(deferred)
      .where(and(eq(deferred.producer, producer), gt(deferred.position, after)))
      .orderBy(asc(deferred.position))
      .limit(limit)
      .all()
      .map(({ position, row }) => ({ position, row: JSON.parse(row) }));
  }

  #keysOf(row: Row, unusable: ReadonlySet<string>): Keys {
    return this.#keys.map((unique) => (unusable.has(unique.field) ? undefined : unique.key(row[unique.field])));
  }

  #heldKeys(producer: number): Set<Key>[] {
    if (this.#deferredKeys?.producer !== producer) {
      const keys = this.#keys.map(() => new Set<Key>());
      for (const { row: raw } of paged((after, limit) => this.#heldPage(producer, after, limit))) {
        const { row, unusable } = checkShape(raw, this.spec.fields);
        if (row) hold(keys, this.#keysOf(row, unusable));
      }
      this.#deferredKeys = { producer, keys };
    }
    return this.#deferredKeys.keys;
  }
}

/** Everything `read` gives, a page at a time, each page read after the last position of the one before. */
function* paged<T extends { position: number }>(read: (after: number, limit: number) => T[]): Generator<T> {
  for (let after = -1; ; ) {
    const page = read(after, PAGE);
    yield* page;
    if (page.length < PAGE) return;
    after = page[page.length - 1]?.position ?? after;
  }
}

function toRejection(record: typeof rejections.$inferSelect): Rejection {
  return { position: record.position, id: record.id, reasons: JSON.parse(record.reasons) as Reason[], row: JSON.parse(record.row) };
}

function hold(held: Set<Key>[], keys: Keys): void {
  keys.forEach((key, k) => {
    if (key !== undefined) held[k]?.add(key);
  });
}

function outcomeOf(record: typeof batches.$inferSelect): BatchOutcome {
  return { offset: record.offset, count: record.count, inserted: record.inserted, rejected: record.rejected, deferred: record.deferred };
}

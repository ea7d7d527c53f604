import type { RejectionRecord, Request } from '@dbsim/protocol';
import type Database from 'better-sqlite3';
import { and, eq, lte, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { type OpenDatabase, type OpenOptions, openDatabase } from './database.js';
import { prepareInsertMany } from './direct.js';
import { HeldKeys } from './held-keys.js';
import { abandoned, Judge, type Resolved, tooLarge, type Verdict } from './judge.js';
import { CHUNK_ROWS, Judging } from './judging.js';
import { type Admission, type BatchOutcome, Ledger } from './ledger.js';
import { type HeldRow, Reads } from './reads.js';
import { batches, deferred, deliveries, rejections } from './schema.js';
import { TableIds } from './table-ids.js';
import type { AnyTableSpec } from './table-spec.js';

/**
 * A batch as the store applies it: its rows as values (a row sent as text is
 * parsed, and its text kept in `texts` to be recorded as written), and the
 * rows too large to send marked in `oversized`.
 */
export type Batch = Pick<Request<'insert'>, 'producer' | 'offset' | 'rows' | 'seal' | 'texts' | 'oversized'>;

/** What a transaction decided: the rows it rejected, and how many rows it accepted and held back. */
export interface Decisions {
  rejections: RejectionRecord[];
  accepted: number;
  deferred: number;
}

/** A batch applied, or what the record says of one it does not apply (a repeat, or one out of order). */
export type ApplyResult = ({ kind: 'applied'; outcome: BatchOutcome } & Decisions) | Exclude<Admission, { kind: 'next' }>;

/**
 * A node's SQLite file, seen through its table spec. Every batch is applied
 * in one transaction: its rows judged and written, its rejections and
 * held-back rows recorded, and the ledger's high-water mark moved, so a
 * batch is either wholly applied and recorded or not at all.
 */
export class NodeStore {
  readonly ledger: Ledger;
  readonly reads: Reads;
  /** The ids the table holds, for owners' lookups and for judging a row's id. */
  readonly ids: TableIds;
  readonly #sqlite: Database.Database;
  readonly #file: OpenDatabase;
  readonly #judge: Judge;
  readonly #insertRejections;
  readonly #insertDeferred;
  readonly #deleteDeferred;
  readonly #apply;
  readonly #decideHeldBack;
  readonly #abandon;
  readonly #reset;
  /** The unique keys of the newest stream's held-back rows, read from the table when first needed. */
  #held: { producer: number; keys: HeldKeys } | undefined;

  constructor(
    readonly spec: AnyTableSpec,
    readonly file: string,
    options: OpenOptions,
  ) {
    this.#file = openDatabase(file, options);
    this.#sqlite = this.#file.sqlite;
    const db = drizzle({ client: this.#sqlite });
    this.ledger = new Ledger(db);
    this.reads = new Reads(this.#sqlite, db, spec.table);
    this.ids = new TableIds(() => this.reads.ids());
    this.#judge = new Judge(spec, this.#sqlite, db, this.ids);
    this.#insertRejections = prepareInsertMany(this.#sqlite, rejections, (values) => db.insert(rejections).values(values));
    this.#insertDeferred = prepareInsertMany(this.#sqlite, deferred, (values) => db.insert(deferred).values(values));
    this.#deleteDeferred = db
      .delete(deferred)
      .where(and(eq(deferred.producer, sql.placeholder('producer')), lte(deferred.position, sql.placeholder('upTo'))))
      .prepare();
    this.#abandon = this.#sqlite.transaction((producer: number, rows: readonly HeldRow[]) => {
      const { offset } = this.ledger.state(producer);
      const recorder = this.#recorder(producer, offset);
      for (const { position, row, text } of rows) recorder.record(position, row, abandoned(position, row), text);
      const decisions = recorder.done();
      this.#deleteDeferred.run({ producer, upTo: rows.at(-1)?.position ?? -1 });
      if (rows.length === 0) this.ledger.seal(producer);
      return decisions;
    });
    this.#reset = this.#sqlite.transaction(() => {
      for (const table of [spec.table, rejections, deferred, batches, deliveries]) db.delete(table).run();
    });
    this.#apply = this.#sqlite.transaction((batch: Batch, resolved: Resolved) => this.#applyInTransaction(batch, resolved));
    this.#decideHeldBack = this.#sqlite.transaction((producer: number, offset: number, rows: readonly HeldRow[], resolved: Resolved) => {
      const recorder = this.#recorder(producer, offset);
      const judging = new Judging(this.#judge, resolved, undefined);
      for (const { position, row } of rows) judging.add(position, row);
      judging.verdicts().forEach((verdict, index) => {
        const { position, row, text } = rows[index] as HeldRow;
        recorder.record(position, row, verdict, text);
      });
      const decisions = recorder.done();
      this.#deleteDeferred.run({ producer, upTo: rows.at(-1)?.position ?? -1 });
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
      this.#file.committed();
      return result;
    } catch (error) {
      // Rolled back: read them again from the table.
      this.#held = undefined;
      this.ids.forget();
      throw error;
    }
  }

  /**
   * The first held-back rows of a producer's stream after position `after`,
   * in stream order, for the sealing batch at `offset` to decide; none
   * unless every batch before it has been applied and the stream is not
   * sealed yet.
   */
  heldBack(producer: number, offset: number, limit: number, after = -1): HeldRow[] {
    const state = this.ledger.state(producer);
    return state.offset !== offset || state.sealed ? [] : this.reads.heldPage(producer, limit, after);
  }

  /**
   * Decides held-back rows, as heldBack gave them, with the owners' final
   * answers, in one transaction; their rejections count as decided by the
   * sealing batch at `offset`.
   */
  decideHeldBack(producer: number, offset: number, rows: readonly HeldRow[], resolved: Resolved): Decisions {
    try {
      const decisions = this.#decideHeldBack.immediate(producer, offset, rows, resolved);
      this.#file.committed();
      return decisions;
    } catch (error) {
      this.ids.forget();
      throw error;
    }
  }

  /**
   * Gives an interrupted producer's stream up, a page of its held-back rows
   * at a time, each rejected as run_abandoned in its own transaction (as
   * decided by the batch at the stream's mark); the page that finds none
   * left seals the stream.
   */
  abandon(producer: number, limit: number): Decisions {
    const result = this.#abandon.immediate(producer, this.reads.heldPage(producer, limit));
    // A stream given up for good stays given up: a power loss must not bring its held-back rows back.
    if (result.rejections.length === 0) this.#file.sync();
    else this.#file.committed();
    this.#held = undefined;
    return result;
  }

  /** Empties the table and every record of it, in one transaction: the state of a fresh file. */
  reset(): void {
    this.#reset();
    // A power loss must not undo it: the run's batches would be taken for repeats of the run before's.
    this.#file.sync();
    this.#held = undefined;
    this.ids.forget();
  }

  close(): void {
    this.#file.close();
  }

  #applyInTransaction(batch: Batch, resolved: Resolved): ApplyResult {
    const { producer, offset, rows } = batch;
    const admission = this.ledger.admit(producer, offset);
    if (admission.kind !== 'next') return admission;
    if (batch.seal && this.heldBack(producer, offset, 1).length > 0) throw new Error('held-back rows must be decided before the seal');
    const held = batch.seal ? undefined : this.#heldKeys(producer);
    const recorder = this.#recorder(producer, offset);
    const judging = new Judging(this.#judge, resolved, held);
    rows.forEach((raw, index) => {
      const oversized = batch.oversized?.[index];
      if (oversized) judging.decided(tooLarge(offset + index, oversized));
      else judging.add(offset + index, raw);
    });
    judging.verdicts().forEach((verdict, index) => {
      recorder.record(offset + index, rows[index], verdict, batch.texts?.[index]);
    });
    const decisions = recorder.done();
    if (batch.seal) this.#held = undefined;
    const outcome = {
      offset,
      count: rows.length,
      inserted: decisions.accepted,
      rejected: decisions.rejections.length,
      deferred: decisions.deferred,
    };
    this.ledger.record(producer, outcome, batch.seal === true);
    return { kind: 'applied', outcome, ...decisions };
  }

  /**
   * Writes each verdict of a transaction where it belongs, collecting what
   * the transaction decided (the batch at `offset`). A row is recorded as
   * `text` where it came as text (numbers as written), else as its JSON.
   * Rejected and held-back rows are written many to a statement; `done`
   * writes the last of them, and says what was decided.
   */
  #recorder(
    producer: number,
    offset: number,
  ): { record(position: number, raw: unknown, verdict: Verdict, text?: string): void; done(): Decisions } {
    const rejectedAt = new Date();
    const decisions: Decisions = { rejections: [], accepted: 0, deferred: 0 };
    const rejected = new Chunks(this.#insertRejections);
    const held = new Chunks(this.#insertDeferred);
    return {
      record: (position, raw, verdict, text) => {
        if (verdict.kind === 'accepted') {
          decisions.accepted++;
        } else if (verdict.kind === 'deferred') {
          decisions.deferred++;
          const row = text ?? JSON.stringify(raw);
          held.add({ producer, position, row }, row.length);
        } else {
          const judged = verdict.rejection;
          const row = (judged.row === raw ? text : undefined) ?? JSON.stringify(judged.row) ?? 'null';
          const rejection: RejectionRecord = { position: judged.position, id: judged.id, reasons: judged.reasons, row };
          if (judged.takenBy !== undefined) rejection.takenBy = judged.takenBy;
          decisions.rejections.push(rejection);
          const record = {
            producer,
            ...rejection,
            reasons: JSON.stringify(rejection.reasons),
            takenBy: rejection.takenBy === undefined ? null : JSON.stringify(rejection.takenBy),
            batch: offset,
            rejectedAt,
          };
          rejected.add(record, row.length);
        }
      },
      done: () => {
        rejected.flush();
        held.flush();
        return decisions;
      },
    };
  }

  #heldKeys(producer: number): HeldKeys {
    if (this.#held?.producer !== producer) {
      const keys = new HeldKeys(this.#judge.width);
      for (const row of this.reads.heldRows(producer)) keys.hold(this.#judge.keysOf(row));
      this.#held = { producer, keys };
    }
    return this.#held.keys;
  }
}

/** Records written many to a statement, as valid rows are (CHUNK_ROWS at most), and a statement's rows' text bounded, as a row can be megabytes. */
const RECORD_CHUNK_CHARS = 1024 * 1024;

class Chunks<R> {
  #records: R[] = [];
  #chars = 0;

  constructor(private readonly insertMany: (records: readonly R[]) => unknown) {}

  add(record: R, chars: number): void {
    this.#records.push(record);
    this.#chars += chars;
    if (this.#records.length === CHUNK_ROWS || this.#chars >= RECORD_CHUNK_CHARS) this.flush();
  }

  flush(): void {
    if (this.#records.length === 0) return;
    this.insertMany(this.#records);
    this.#records = [];
    this.#chars = 0;
  }
}

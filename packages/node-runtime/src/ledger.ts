import type { Payload, ReplyTo } from '@dbsim/protocol';
import { and, desc, eq, sql } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { placeholders } from './direct.js';
import { batches, deliveries } from './schema.js';

/** Where a producer's stream stands on this node: its high-water mark, and whether it has ended. */
export type Delivery = typeof deliveries.$inferSelect;
/** What applying a batch came to, as the node answers it: the first time and on every repeat. */
export type BatchOutcome = Payload<ReplyTo<'insert'>>;

/** How a batch stands against the record. */
export type Admission =
  | { kind: 'next' }
  | { kind: 'repeat'; outcome: BatchOutcome }
  | { kind: 'out_of_order'; expected: number; sealed: boolean };

/**
 * Where exactly-once is kept (Kafka's idempotent producer): per producer, the
 * high-water mark of its stream, and the outcome of every batch applied. A
 * batch is applied only at the mark; one seen before is answered from its
 * record; and the batch, its rows and the new mark are written in one
 * transaction, so a crash leaves all of them or none.
 */
export class Ledger {
  readonly #outcome;
  readonly #state;
  readonly #latest;
  readonly #recordBatch;
  readonly #moveMark;

  constructor(private readonly db: BetterSQLite3Database) {
    const producer = sql.placeholder('producer');
    this.#outcome = db
      .select()
      .from(batches)
      .where(and(eq(batches.producer, producer), eq(batches.offset, sql.placeholder('offset'))))
      .prepare();
    this.#state = db.select().from(deliveries).where(eq(deliveries.producer, producer)).prepare();
    this.#latest = db.select().from(deliveries).orderBy(desc(deliveries.producer)).limit(1).prepare();
    this.#recordBatch = db.insert(batches).values(placeholders(batches)).prepare();
    this.#moveMark = db
      .insert(deliveries)
      .values({ producer, offset: sql.placeholder('next'), sealed: sql.placeholder('sealed') })
      // The values given for the row the producer already has: SQLite's upsert calls them `excluded`.
      .onConflictDoUpdate({
        target: deliveries.producer,
        set: { offset: sql.raw('excluded."offset"'), sealed: sql.raw('excluded."sealed"') },
      })
      .prepare();
  }

  /** The newest producer's delivery state; producer 0 when none has written yet. */
  latest(): Delivery {
    return this.#latest.get() ?? { producer: 0, offset: 0, sealed: false };
  }

  state(producer: number): Delivery {
    return this.#state.get({ producer }) ?? { producer, offset: 0, sealed: false };
  }

  /** A producer's stream is over once it is sealed or a newer producer has begun. */
  streamEnded(producer: number): boolean {
    return this.state(producer).sealed || this.latest().producer > producer;
  }

  admit(producer: number, offset: number): Admission {
    const record = this.#outcome.get({ producer, offset });
    if (record !== undefined) return { kind: 'repeat', outcome: outcomeOf(record) };
    const state = this.state(producer);
    return offset === state.offset && !state.sealed
      ? { kind: 'next' }
      : { kind: 'out_of_order', expected: state.offset, sealed: state.sealed };
  }

  /** Records an applied batch and moves the mark past it, in the batch's own transaction. */
  record(producer: number, outcome: BatchOutcome, sealed: boolean): void {
    this.#recordBatch.run({ producer, ...outcome });
    this.#moveMark.run({ producer, next: outcome.offset + outcome.count, sealed });
  }

  /** Ends a producer's stream where it stands: an interrupted run given up on. */
  seal(producer: number): void {
    this.db.update(deliveries).set({ sealed: true }).where(eq(deliveries.producer, producer)).run();
  }

  /** The newest batch applied for a producer, if any. */
  lastBatch(producer: number): BatchOutcome | undefined {
    const [record] = this.db.select().from(batches).where(eq(batches.producer, producer)).orderBy(desc(batches.offset)).limit(1).all();
    return record && outcomeOf(record);
  }
}

function outcomeOf({ producer: _, ...outcome }: typeof batches.$inferSelect): BatchOutcome {
  return outcome;
}

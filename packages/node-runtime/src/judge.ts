import { isRecordId, type Reason, type RejectionRecord } from '@dbsim/protocol';
import type Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { prepareDirect, prepareInsertMany } from './direct.js';
import { canonical, usableFields } from './fields.js';
import type { HeldKeys, Key, Keys } from './held-keys.js';
import type { TableIds } from './table-ids.js';
import type { AnyTableSpec, FieldValue, Input, Reference, UniqueKey } from './table-spec.js';

/** What an owning node answered about the ids of one reference field. */
export interface Answer {
  /** Whether the owner holds this id, one of the rows' that were asked about. */
  found(id: number): boolean;
  /** Neither held nor ruled out yet: the owner's stream may still bring them. */
  undecided: ReadonlySet<number>;
}

/** The owners' answers per reference field; an id in neither set is missing. */
export type Resolved = ReadonlyMap<string, Answer>;

/** A rejection as judged: the row as a value, which the store records as text. */
export type Judged = Omit<RejectionRecord, 'row'> & { row: unknown };

/** A row's fate: inserted, held back until the owners' streams decide it, or rejected. */
export type Verdict = { kind: 'accepted' } | { kind: 'deferred' } | { kind: 'rejected'; rejection: Judged };

/**
 * The verdicts that say nothing of the row itself, one object each rather
 * than one per row: a transaction's verdicts live until it commits, and
 * every young collection meanwhile copied them.
 */
export const ACCEPTED: Verdict = Object.freeze({ kind: 'accepted' });
const DEFERRED: Verdict = Object.freeze({ kind: 'deferred' });

const rejected = (position: number, id: unknown, reasons: Reason[], row: unknown, takenBy?: Judged['takenBy']): Verdict => ({
  kind: 'rejected',
  rejection: { position, id, reasons: canonical(reasons), row, ...(takenBy === undefined ? {} : { takenBy }) },
});

/** A held-back row of a run given up on (`--keep --abandon`): rejected for that alone, as it was never decided. */
export function abandoned(position: number, row: unknown): Verdict {
  const id = typeof row === 'object' && row !== null && !Array.isArray(row) ? ((row as { id?: unknown }).id ?? null) : null;
  return rejected(position, id, ['run_abandoned'], row);
}

/** A row too large for a message: rejected for that alone, shown by how it begins. */
export function tooLarge(position: number, { head }: { head: string }): Verdict {
  return rejected(position, null, ['row_too_large'], `${head}…`);
}

const idKey = (spec: AnyTableSpec): UniqueKey => ({
  field: 'id',
  reason: 'id_duplicate',
  key: (value) => (isRecordId(value) ? value : undefined),
  stored: spec.table.id,
});

/**
 * What a row's own checks found, where they do not decide it: valid so far
 * (the row as given, to be inserted, which checks its unique keys), or not
 * (its unique keys still to be looked up, so that it gets every reason that
 * applies; `row` is its usable fields).
 */
export type Checked = typeof VALID | { kind: 'invalid'; row: Partial<Input>; reasons: Reason[] };
/** One object for every valid row: a row's checks allocate nothing when it is fine. */
const VALID = { kind: 'valid' } as const;

/**
 * Where a row is judged: its shape, the table's rules, its unique keys and
 * its references, in the order the README lists the reasons. The insert is
 * what checks a valid row's unique keys against the table (each has a
 * unique index); a row that conflicts, or is rejected anyway, has its keys
 * looked up one by one. Judging.ts puts these steps in stream order inside
 * the caller's transaction.
 */
export class Judge {
  readonly #keys: UniqueKey[];
  readonly #references: readonly Reference[];
  readonly #taken;
  readonly #insertMany;
  /** A row's reasons as its checks find them: one list, taken again for each row. */
  readonly #reasons: Reason[] = [];

  constructor(
    private readonly spec: AnyTableSpec,
    sqlite: Database.Database,
    db: BetterSQLite3Database,
    readonly ids: TableIds,
  ) {
    const { table } = spec;
    this.#keys = [idKey(spec), ...(spec.unique ?? [])];
    this.#references = spec.references ?? [];
    // Per-row statements run straight on better-sqlite3 (see direct.ts); drizzle writes their SQL from the schema.
    // Which row holds a key: its id, which a rejection for a duplicate names. The id key's holder is the id
    // itself, if the table holds it, which the ids in memory say. No LIMIT: a key's unique index holds one row at
    // most, value() reads the first, and a bound LIMIT makes each probe half as slow again.
    const holderOf = (key: UniqueKey) =>
      prepareDirect(
        sqlite,
        db
          .select({ id: table.id })
          .from(table)
          .where(sql`${key.stored} = ${sql.placeholder('key')}`),
      );
    this.#taken = this.#keys.map((key, k): ((key: Key) => unknown) => {
      if (k === 0) return (id) => (this.ids.has(id as number) ? id : undefined);
      const holder = holderOf(key);
      return (value) => holder.value({ key: value });
    });
    this.#insertMany = prepareInsertMany(sqlite, table, (values) =>
      db.insert(table).values(values).onConflictDoNothing().returning({ id: table.id }),
    );
  }

  get width(): number {
    return this.#keys.length;
  }

  /** Each unique key of a row, from its usable fields: for HeldKeys. */
  keysOf(raw: unknown): Keys {
    const row = usableFields(raw, this.spec.fields, []);
    return row === undefined ? [] : this.#keysOf(row);
  }

  /**
   * A row's own checks, or its verdict where they decide it. With `held`, a
   * row whose reference the owner cannot decide yet is held back, and so is
   * every later row sharing a unique key with a held-back one; without,
   * every row is decided now.
   */
  check(position: number, raw: unknown, resolved: Resolved, held: HeldKeys | undefined): Checked | Verdict {
    const reasons = this.#reasons;
    // Setting an array's length is a call into V8's runtime; most rows leave the list empty.
    if (reasons.length > 0) reasons.length = 0;
    const row = usableFields(raw, this.spec.fields, reasons);
    if (row === undefined) return rejected(position, null, reasons, raw);
    if (row.id !== undefined && !isRecordId(row.id)) reasons.push('id_invalid');
    this.spec.rules(row, reasons);
    let undecided = false;
    for (const ref of this.#references) {
      const value = row[ref.field];
      if (value === undefined) continue;
      const answer = resolved.get(ref.field);
      if (typeof value === 'number' && answer?.found(value)) continue;
      if (typeof value === 'number' && answer?.undecided.has(value)) undecided = true;
      else reasons.push(ref.reason);
    }
    if (held !== undefined && (undecided || held.any)) {
      if (undecided || this.#sharesKey(row, held)) {
        held.hold(this.#keysOf(row));
        return DEFERRED;
      }
    }
    if (reasons.length === 0 && row === raw && isRecordId(row.id)) return VALID;
    return { kind: 'invalid', row, reasons: [...reasons] };
  }

  /** Inserts valid rows in one statement, in order, each unless it conflicts: the ids of those inserted. */
  insert(rows: readonly Input[]): unknown[] {
    const ids = this.#insertMany(rows.map(this.spec.toRecord));
    for (const id of ids) this.ids.inserted(id as number);
    return ids;
  }

  /**
   * A row rejected: for its own reasons, and for each unique key the table
   * holds, naming the row that holds it, unless that row was inserted after
   * this one's turn (`insertedAfter`, later in the same statement): the key
   * was free then.
   */
  reject(
    position: number,
    raw: unknown,
    row: Partial<Input>,
    reasons: Reason[],
    insertedAfter: (holder: number, position: number) => boolean,
  ): Verdict {
    let takenBy: Judged['takenBy'];
    const keys = this.#keysOf(row);
    this.#keys.forEach((unique, k) => {
      const key = keys[k];
      const holder = key === undefined ? undefined : (this.#taken[k]?.(key) as number | undefined);
      if (holder === undefined || insertedAfter(holder, position)) return;
      reasons.push(unique.reason);
      takenBy = { ...takenBy, [unique.reason]: holder };
    });
    if (reasons.length === 0) throw new Error(`row ${position} conflicts with a unique index that no unique key of the spec describes`);
    return rejected(position, (raw as { id?: unknown }).id ?? null, reasons, raw, takenBy);
  }

  /** Whether a row shares a unique key with a held-back one: checked for every row once any is held, so without a list of its keys. */
  #sharesKey(row: Partial<Input>, held: HeldKeys): boolean {
    for (let k = 0; k < this.#keys.length; k++) {
      const key = keyOf(this.#keys[k] as UniqueKey, row);
      if (key !== undefined && held.has(k, key)) return true;
    }
    return false;
  }

  #keysOf(row: Partial<Input>): Keys {
    return this.#keys.map((unique) => keyOf(unique, row));
  }
}

/** A row's value of a unique key, from its usable fields; undefined where it cannot be one. */
function keyOf(unique: UniqueKey, row: Partial<Input>): Key | undefined {
  const value: FieldValue | undefined = row[unique.field];
  return value === undefined ? undefined : unique.key(value);
}

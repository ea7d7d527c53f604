import type { Reason } from '@dbsim/protocol';
import type { HeldKeys } from './held-keys.js';
import { ACCEPTED, type Judge, type Resolved, type Verdict } from './judge.js';
import type { Input } from './table-spec.js';

/** How many valid rows go into one INSERT: past 64, a larger statement saves no more per row (measured). */
export const CHUNK_ROWS = 64;

/** A row to be rejected once its chunk is inserted, which its unique keys are looked up after. */
interface Rejecting {
  index: number;
  position: number;
  raw: unknown;
  row: Partial<Input>;
  reasons: Reason[];
}

/**
 * One transaction's rows judged in stream order, with the outcome of
 * judging them one by one, but valid rows inserted CHUNK_ROWS at a time:
 * a row's verdicts come back in the order the rows were added.
 *
 * Why one by one is kept exactly: a chunk's INSERT takes its rows in order,
 * each checked against the table and the rows before it, as separate
 * inserts would. Its rows have distinct ids, none held yet (a repeat ends
 * the chunk first), so the ids it answers say which rows went in. A row
 * rejected before the chunk is inserted has its keys looked up after it:
 * a key then held by a later row of the chunk was free at its turn.
 */
export class Judging {
  readonly #verdicts: (Verdict | undefined)[] = [];
  // The current chunk, a row per slot: its id, where its verdict goes, its position, and the row.
  readonly #ids: number[] = [];
  readonly #indexes: number[] = [];
  readonly #positions: number[] = [];
  readonly #rows: Input[] = [];
  /** The chunk's largest id: ids mostly rise, so a row's id is mostly above it, and none of the chunk's, without a search. */
  #largest = 0;
  readonly #rejecting: Rejecting[] = [];
  /** Whether the row holding a key is one of the chunk's, inserted after the row at `position`: the key was free at its turn. */
  readonly #insertedAfter = (holder: number, position: number): boolean => (this.#positions[this.#ids.indexOf(holder)] ?? -1) > position;

  constructor(
    private readonly judge: Judge,
    private readonly resolved: Resolved,
    private readonly held: HeldKeys | undefined,
  ) {}

  /** A row to judge, the next in stream order. */
  add(position: number, raw: unknown): void {
    const index = this.#verdicts.push(undefined) - 1;
    const checked = this.judge.check(position, raw, this.resolved, this.held);
    if (checked.kind === 'valid') {
      const row = raw as Input & { id: number };
      if (row.id <= this.#largest && this.#ids.includes(row.id)) this.#settle();
      // An id the table holds would only conflict: the row is rejected for it without an insert.
      if (!this.judge.ids.has(row.id)) {
        this.#ids.push(row.id);
        this.#largest = Math.max(this.#largest, row.id);
        this.#indexes.push(index);
        this.#positions.push(position);
        this.#rows.push(row);
        if (this.#ids.length === CHUNK_ROWS) this.#settle();
        return;
      }
      this.#rejecting.push({ index, position, raw, row, reasons: [] });
    } else if (checked.kind === 'invalid') {
      this.#rejecting.push({ index, position, raw, row: checked.row, reasons: checked.reasons });
    } else {
      this.#verdicts[index] = checked;
    }
  }

  /** A row decided without judging (too large for a message), the next in stream order. */
  decided(verdict: Verdict): void {
    this.#verdicts.push(verdict);
  }

  /** Every row's verdict, in the order added. */
  verdicts(): Verdict[] {
    this.#settle();
    return this.#verdicts as Verdict[];
  }

  /** Inserts the chunk, if any, then rejects its rows that conflicted and the rows waiting for it. */
  #settle(): void {
    const ids = this.#ids;
    if (ids.length > 0) {
      // The ids answered, each the id of one slot: SQLite answers them in the order inserted, which is looked at first,
      // but does not promise to.
      let next = 0;
      for (const id of this.judge.insert(this.#rows)) {
        const slot = ids[next] === id ? next : ids.indexOf(id as number);
        next = slot + 1;
        if (slot < 0) throw new Error(`the insert answered id ${String(id)}, which none of its rows has`);
        this.#verdicts[this.#indexes[slot] as number] = ACCEPTED;
      }
      ids.forEach((_, slot) => {
        const index = this.#indexes[slot] as number;
        const row = this.#rows[slot] as Input;
        if (this.#verdicts[index] === undefined)
          this.#rejecting.push({ index, position: this.#positions[slot] as number, raw: row, row, reasons: [] });
      });
    }
    for (const { index, position, raw, row, reasons } of this.#rejecting) {
      this.#verdicts[index] = this.judge.reject(position, raw, row, reasons, this.#insertedAfter);
    }
    for (const slots of [ids, this.#indexes, this.#positions, this.#rows]) slots.length = 0;
    this.#largest = 0;
    this.#rejecting.length = 0;
  }
}

import type { Reason } from '@dbsim/protocol';
import type { HeldKeys } from './held-keys.js';
import type { Judge, Resolved, Verdict } from './judge.js';
import type { Input } from './table-spec.js';

/** How many valid rows go into one INSERT: past 64, a larger statement saves no more per row (measured). */
export const CHUNK_ROWS = 64;

/** A valid row waiting for its chunk's insert. */
interface Candidate {
  index: number;
  position: number;
  raw: unknown;
  row: Input & { id: number };
}

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
  /** The current chunk's rows by id, in stream order. */
  readonly #chunk = new Map<number, Candidate>();
  readonly #rejecting: Rejecting[] = [];

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
      const { id } = checked.row;
      if (this.#chunk.has(id)) this.#insert();
      // An id the table holds would only conflict: the row is rejected for it without an insert.
      if (!this.judge.ids.has(id)) {
        this.#chunk.set(id, { index, position, raw, row: checked.row });
        if (this.#chunk.size === CHUNK_ROWS) this.#insert();
        return;
      }
      this.#rejecting.push({ index, position, raw, row: checked.row, reasons: [] });
    } else if (checked.kind === 'invalid') {
      this.#rejecting.push({ index, position, raw, ...checked });
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
    this.#insert();
    return this.#verdicts as Verdict[];
  }

  /** Inserts the chunk, then rejects its rows that conflicted and the rows waiting for it. */
  #insert(): void {
    const chunk = this.#chunk;
    if (chunk.size > 0) {
      const candidates = [...chunk.values()];
      for (const id of this.judge.insert(candidates.map((candidate) => candidate.row))) {
        const candidate = chunk.get(id as number) as Candidate;
        this.#verdicts[candidate.index] = { kind: 'accepted', id: candidate.row.id };
      }
      for (const { index, position, raw, row } of candidates) {
        if (this.#verdicts[index] === undefined) this.#rejecting.push({ index, position, raw, row, reasons: [] });
      }
    }
    for (const { index, position, raw, row, reasons } of this.#rejecting) {
      const later = (holder: number) => (chunk.get(holder)?.position ?? -1) > position;
      this.#verdicts[index] = this.judge.reject(position, raw, row, reasons, later);
    }
    chunk.clear();
    this.#rejecting.length = 0;
  }
}

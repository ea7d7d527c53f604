import type { NodeName } from '@dbsim/protocol';

/**
 * A row kept as the JSON text it was written in, because it holds a number a
 * double cannot hold (`1e309`): JSON.parse would make it Infinity, and
 * JSON.stringify that `null`. The text goes to the node, which judges the
 * row from it (the number counts as a number out of range) and records it
 * as written. Readers yield one only for such rows; every other row is a
 * plain value.
 */
export class RowText {
  constructor(readonly text: string) {}
}

/** One table's rows in data-set order, read afresh on every call: never all in memory at once. */
export interface TableSource {
  /** How many rows the stream holds, for progress; undefined when unknown until read. */
  count: number | undefined;
  /** Each row: any JSON value, or a RowText. */
  rows(): Iterable<unknown> | AsyncIterable<unknown>;
  /**
   * The same rows as their JSON text, as JSON.stringify writes it, from a
   * source that can write it faster itself (the generator): sending rows is
   * most of the orchestrator's work.
   */
  texts?(): Iterable<string>;
}

export type DataSource = Record<NodeName, TableSource>;

export function fromArray(rows: readonly unknown[]): TableSource {
  return { count: rows.length, rows: () => rows };
}

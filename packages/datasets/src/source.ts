import type { NodeName } from '@dbsim/protocol';

/** One table's rows in data-set order, read afresh on every call: never all in memory at once. */
export interface TableSource {
  /** How many rows the stream holds, for progress; undefined when unknown until read. */
  count: number | undefined;
  rows(): Iterable<unknown> | AsyncIterable<unknown>;
}

export type DataSource = Record<NodeName, TableSource>;

export function fromArray(rows: readonly unknown[]): TableSource {
  return { count: rows.length, rows: () => rows };
}

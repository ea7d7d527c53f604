import type { NodeName } from '@dbsim/protocol';
import { JsonBytes } from './json-bytes.js';

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
  /** How many rows the stream holds (for progress, pacing, and a source that writes its rows); undefined when unknown until read. */
  count: number | undefined;
  /** Each row: any JSON value, or a RowText. */
  rows(): Iterable<unknown> | AsyncIterable<unknown>;
  /**
   * Writes row `i` (from 0) as JSON, as JSON.stringify writes it, on to
   * `out`: a source that can write its rows faster itself, at any index
   * (the generator). Sending rows is most of the orchestrator's work.
   */
  writeJson?(i: number, out: JsonBytes): void;
}

/** A source that writes its rows' JSON itself. */
export type WrittenSource = Required<Pick<TableSource, 'writeJson'>> & { count: number };

/** Each row of a source that writes its JSON itself, as text. */
export function* jsonTexts({ count, writeJson }: WrittenSource): Generator<string> {
  const out = new JsonBytes(1024);
  for (let i = 0; i < count; i++) {
    out.length = 0;
    writeJson(i, out);
    yield out.toString();
  }
}

export type DataSource = Record<NodeName, TableSource>;

export function fromArray(rows: readonly unknown[]): TableSource {
  return { count: rows.length, rows: () => rows };
}

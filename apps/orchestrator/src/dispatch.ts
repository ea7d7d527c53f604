import { setTimeout as sleep } from 'node:timers/promises';
import type { TableSource } from '@dbsim/datasets';
import { EncodedRows, RemoteError } from '@dbsim/protocol';
import type { Supervisor } from './supervisor.js';

export interface StreamOptions {
  producer: number;
  batchSize: number;
  /** Batches in flight at once, unacknowledged. */
  window: number;
  /** Rows the node has already committed for this producer: a resumed run starts after them. */
  from: number;
  /** A pause before the batch at this offset, in ms. */
  delay(offset: number): number;
  /** Called as acknowledgements raise the committed offset. */
  onCommitted(offset: number): void;
  signal: AbortSignal;
}

export interface Batch {
  offset: number;
  rows: unknown[];
  seal: boolean;
}

/** A batch on its way: its rows encoded once, for every time it is sent. */
interface Outgoing {
  offset: number;
  rows: EncodedRows;
  seal: boolean;
}

/** Definite refusals worth retrying (a lost reference check, a batch behind a refused one) get this many tries. */
const REFUSALS_TOLERATED = 20;
const REFUSAL_PAUSE_MS = 100;

/** The table's rows cut into batches numbered by offset, starting at `from`, ending with an empty batch that seals the stream. */
export async function* batches(source: TableSource, batchSize: number, from: number): AsyncGenerator<Batch> {
  let offset = 0;
  let rows: unknown[] = [];
  for await (const row of source.rows()) {
    if (offset++ < from) continue;
    rows.push(row);
    if (rows.length === batchSize) {
      yield { offset: offset - rows.length, rows, seal: false };
      rows = [];
    }
  }
  if (rows.length > 0) yield { offset: offset - rows.length, rows, seal: false };
  yield { offset, rows: [], seal: true };
}

/**
 * Sends one node its stream: batches in data-set order, at most `window`
 * unacknowledged, each retried until acknowledged, that is committed. The
 * node answers a batch it already applied from its record, so resending
 * everything unacknowledged after a crash is safe: at-least-once delivery,
 * exactly-once effect.
 */
export async function sendStream(node: Supervisor, source: TableSource, options: StreamOptions): Promise<void> {
  const { producer, batchSize, window, signal } = options;
  const inFlight: Promise<Outgoing>[] = [];
  let committed = options.from;
  const acknowledged = (batch: Outgoing) => {
    committed = Math.max(committed, batch.offset + batch.rows.count);
    options.onCommitted(committed);
  };
  for await (const batch of batches(source, batchSize, options.from)) {
    const pause = options.delay(batch.offset);
    if (pause > 0) await sleep(pause, undefined, { signal });
    signal.throwIfAborted();
    const delivery = deliver(node, producer, { ...batch, rows: EncodedRows.of(batch.rows) }, signal);
    delivery.catch(() => {});
    inFlight.push(delivery);
    while (inFlight.length >= window) acknowledged(await (inFlight.shift() as Promise<Outgoing>));
  }
  for (const delivery of inFlight) acknowledged(await delivery);
}

/** One batch, sent until the node acknowledges it. */
async function deliver(node: Supervisor, producer: number, batch: Outgoing, signal: AbortSignal): Promise<Outgoing> {
  const { offset, rows, seal } = batch;
  for (let refusals = 0; ; ) {
    signal.throwIfAborted();
    const incarnation = await node.ready();
    try {
      await node.request({ type: 'insert', producer, offset, rows, seal });
      return batch;
    } catch (error) {
      if (!(error instanceof RemoteError)) throw error;
      // Indefinite: the node died with the batch in flight. Resend to its next incarnation.
      if (!error.body.definite) continue;
      if (++refusals > REFUSALS_TOLERATED) throw new Error(`${node.name}-node keeps refusing batch ${offset}: ${error.body.text}`);
      if (node.incarnation === incarnation) await sleep(REFUSAL_PAUSE_MS, undefined, { signal });
    }
  }
}

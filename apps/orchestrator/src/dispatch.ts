import { setTimeout as sleep } from 'node:timers/promises';
import type { TableSource } from '@dbsim/datasets';
import { RemoteError } from '@dbsim/protocol';
import { type Batch, batches } from './batching.js';
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

/** Definite refusals worth retrying (a lost reference check, a batch behind a refused one) get this many tries. */
const REFUSALS_TOLERATED = 20;
const REFUSAL_PAUSE_MS = 100;

/**
 * Sends one node its stream: batches in data-set order, at most `window`
 * unacknowledged, each retried until acknowledged, that is committed. The
 * node answers a batch it already applied from its record, so resending
 * everything unacknowledged after a crash is safe: at-least-once delivery,
 * exactly-once effect.
 */
export async function sendStream(node: Supervisor, source: TableSource, options: StreamOptions): Promise<void> {
  const { producer, batchSize, window, signal } = options;
  const inFlight: Promise<Batch>[] = [];
  let committed = options.from;
  const acknowledged = (batch: Batch) => {
    committed = Math.max(committed, batch.offset + batch.rows.count);
    options.onCommitted(committed);
  };
  for await (const batch of batches(source, batchSize, options.from)) {
    const pause = options.delay(batch.offset);
    if (pause > 0) await sleep(pause, undefined, { signal });
    signal.throwIfAborted();
    const delivery = deliver(node, producer, batch, signal);
    delivery.catch(() => {});
    inFlight.push(delivery);
    while (inFlight.length >= window) acknowledged(await (inFlight.shift() as Promise<Batch>));
  }
  for (const delivery of inFlight) acknowledged(await delivery);
}

/** One batch, sent until the node acknowledges it. */
async function deliver(node: Supervisor, producer: number, batch: Batch, signal: AbortSignal): Promise<Batch> {
  for (let refusals = 0; ; ) {
    signal.throwIfAborted();
    const incarnation = await node.ready();
    try {
      await node.request({ type: 'insert', producer, ...batch });
      return batch;
    } catch (error) {
      if (!(error instanceof RemoteError)) throw error;
      // Indefinite: the node died with the batch in flight. Resend to its next incarnation.
      if (!error.body.definite) continue;
      if (++refusals > REFUSALS_TOLERATED) throw new Error(`${node.name}-node keeps refusing batch ${batch.offset}: ${error.body.text}`);
      if (node.incarnation === incarnation) await sleep(REFUSAL_PAUSE_MS, undefined, { signal });
    }
  }
}

import { setTimeout as sleep } from 'node:timers/promises';
import type { NodeProcess } from './node-process.js';

export interface StreamOptions {
  producer: number;
  batchSize: number;
  /** Batches in flight at once, unacknowledged. */
  window: number;
  /** A pause before each batch, in ms. */
  delayMs: number;
}

/**
 * Sends one node its rows in data-set order: batch by batch, each carrying
 * its offset in the stream, at most `window` unacknowledged at a time, then
 * an empty batch that seals the stream. Resolves once every batch is
 * acknowledged, that is committed.
 */
export async function sendStream(node: NodeProcess, rows: readonly unknown[], options: StreamOptions): Promise<void> {
  const { producer, batchSize, window, delayMs } = options;
  const inFlight = new Set<Promise<unknown>>();
  const send = (offset: number, batch: unknown[], seal: boolean) => {
    const ack = node.request({ type: 'insert', producer, offset, rows: batch, seal });
    inFlight.add(ack);
    void ack.then(
      () => inFlight.delete(ack),
      () => {},
    );
    return ack;
  };
  for (let offset = 0; offset < rows.length; offset += batchSize) {
    if (delayMs > 0) await sleep(delayMs);
    send(offset, rows.slice(offset, offset + batchSize), false);
    if (inFlight.size >= window) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  await send(rows.length, [], true);
}

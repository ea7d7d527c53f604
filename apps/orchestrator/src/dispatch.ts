import { setTimeout as sleep } from 'node:timers/promises';
import type { TableSource } from '@dbsim/datasets';
import { RemoteError, type ReplyTo, Resend } from '@dbsim/protocol';
import { type Batch, batches } from './batching.js';
import type { Supervisor } from './supervisor.js';

/** What a stream needs of its node: its supervisor's requests, and where it stood when it last came up. */
export type StreamNode = Pick<Supervisor, 'name' | 'ready' | 'request' | 'ask' | 'incarnation' | 'greeting'>;

export interface StreamOptions {
  producer: number;
  batchSize: number;
  /** Batches in flight at once, unacknowledged. */
  window: number;
  /** Rows the node has already committed for this producer: a resumed run starts after them. */
  from: number;
  /** A pause before the batch at this offset, in ms. */
  delay(offset: number): number;
  /** Resolves once a batch that ends before row `end` may be sent (Pacer). */
  pace(end: number, signal: AbortSignal): Promise<void>;
  /** Called as acknowledgements move the committed offset (back, too, after a power loss). */
  onCommitted(offset: number): void;
  /** Called as each batch is sent for the first time in a pass, and as it is acknowledged (each once). */
  onSent(batch: Batch): void;
  onAcknowledged(batch: Batch, ack: ReplyTo<'insert'>): void;
  /** Called when batches the node acknowledged were lost (a power loss): the stream is sent again from `from`. */
  onLost(from: number, batches: number, rows: number): void;
  signal: AbortSignal;
}

/** Definite refusals worth retrying (a lost reference check) get this many tries. */
const REFUSALS_TOLERATED = 20;
const REFUSAL_PAUSE_MS = 100;

/** The node's high-water mark is behind what it acknowledged: a power loss took writes it had not synced. */
class Rewind extends Error {
  constructor(readonly to: number) {
    super(`the stream goes back to ${to}`);
  }
}

/**
 * Sends one node its stream: batches in data-set order, at most `window`
 * unacknowledged, each retried until acknowledged, that is committed. The
 * node answers a batch it already applied from its record, so resending
 * everything unacknowledged after a crash is safe: at-least-once delivery,
 * exactly-once effect. A batch that overtook the one before it (the
 * network reorders, or lost the first) is refused as out of order, and sent
 * again once the one before is acknowledged.
 *
 * A node that comes back from a power loss may have lost batches it had
 * acknowledged: its high-water mark is then behind. The stream is read
 * again from there and sent again, and so it is, once every batch has been
 * acknowledged, unless the node says it holds the whole stream, sealed.
 */
export async function sendStream(node: StreamNode, source: TableSource, options: StreamOptions): Promise<void> {
  const { producer } = options;
  const acknowledged = new Set<number>(); // the offsets of the batches acknowledged
  let from = options.from;
  let committed = from;
  // The incarnation whose state the stream knows; a new one may have come back from a power loss.
  let known = await node.ready();
  let pass = new AbortController();
  const stream: Stream = {
    check(incarnation) {
      if (incarnation === known) return;
      known = incarnation;
      const { greeting } = node;
      const mark = greeting?.producer === producer ? greeting.offset : 0;
      // The whole pass stops at once: its batches would only be refused as out of order.
      if (mark < committed) pass.abort(new Rewind(mark));
    },
    acknowledged({ batch, ack }) {
      if (!acknowledged.has(batch.offset)) options.onAcknowledged(batch, ack);
      acknowledged.add(batch.offset);
      committed = Math.max(committed, batch.offset + batch.rows.count);
      options.onCommitted(committed);
      batch.rows.release(); // never sent again: its bytes are written over once the lines that carry them are written
    },
  };
  const goBack = (to: number) => {
    const lost = [...acknowledged].filter((offset) => offset >= to);
    for (const offset of lost) acknowledged.delete(offset);
    options.onLost(to, lost.length, committed - to);
    committed = to;
    options.onCommitted(committed);
    from = to;
  };
  for (; ; pass = new AbortController()) {
    try {
      await sendFrom(node, source, options, from, AbortSignal.any([options.signal, pass.signal]), stream);
    } catch (error) {
      const { reason } = pass.signal;
      if (options.signal.aborted || !(reason instanceof Rewind)) throw error;
      goBack(reason.to);
      continue;
    }
    const state = await node.ask({ type: 'hello' });
    if (state.producer === producer && state.sealed) return;
    goBack(state.producer === producer ? state.offset : 0);
  }
}

/** A batch and the node's acknowledgement of it. */
interface Delivered {
  batch: Batch;
  ack: ReplyTo<'insert'>;
}

/** What the deliveries of a pass share with their stream. */
interface Stream {
  /** An incarnation the stream has not seen may be behind what it acknowledged: then the pass stops, to go back. */
  check(incarnation: number): void;
  acknowledged(delivered: Delivered): void;
}

/**
 * The batches of a pass still waiting for their acknowledgement, each with
 * a way to send it again at once. A node applies batches in order, so the
 * acknowledgement of a later batch says the answers to those before it were
 * lost; and a batch refused as out of order names the one that never came.
 * Either sends those again then, rather than when their timers say.
 */
class Waiting {
  readonly #resends = new Map<number, Resend>();

  resend(offset: number): Resend {
    const resend = new Resend();
    this.#resends.set(offset, resend);
    return resend;
  }

  answered(offset: number): void {
    this.#resends.delete(offset);
    for (const [earlier, resend] of this.#resends) if (earlier < offset) resend.now();
  }

  missing(offset: number): void {
    this.#resends.get(offset)?.now();
  }
}

/** One pass over the stream from `from`, until every batch is acknowledged or the pass is stopped. */
async function sendFrom(node: StreamNode, source: TableSource, options: StreamOptions, from: number, signal: AbortSignal, stream: Stream) {
  const inFlight: Promise<Delivered>[] = [];
  const waiting = new Waiting();
  let previous: Promise<unknown> = Promise.resolve();
  for await (const batch of batches(source, options.batchSize, from)) {
    const pause = options.delay(batch.offset);
    if (pause > 0) await sleep(pause, undefined, { signal });
    await options.pace(batch.offset + batch.rows.count, signal);
    signal.throwIfAborted();
    options.onSent(batch);
    const delivery = deliver(node, options.producer, batch, previous, signal, stream, waiting);
    delivery.catch(() => {});
    previous = delivery;
    inFlight.push(delivery);
    while (inFlight.length >= options.window) stream.acknowledged(await (inFlight.shift() as Promise<Delivered>));
  }
  for (const delivery of inFlight) stream.acknowledged(await delivery);
}

/** One batch, sent until the node acknowledges it; `previous` is the delivery of the batch before it. */
async function deliver(
  node: StreamNode,
  producer: number,
  batch: Batch,
  previous: Promise<unknown>,
  signal: AbortSignal,
  stream: Stream,
  waiting: Waiting,
): Promise<Delivered> {
  let previousDone = false;
  previous.then(
    () => {
      previousDone = true;
    },
    () => {},
  );
  for (let refusals = 0; ; ) {
    signal.throwIfAborted();
    const incarnation = await node.ready();
    stream.check(incarnation);
    signal.throwIfAborted();
    try {
      const ack = await node.request({ type: 'insert', producer, ...batch }, { resend: waiting.resend(batch.offset) });
      waiting.answered(batch.offset);
      return { batch, ack };
    } catch (error) {
      if (!(error instanceof RemoteError)) throw error;
      // Indefinite: the node died with the batch in flight, or went silent. Resend to its next incarnation.
      if (!error.body.definite) continue;
      // It overtook the batch before it: sent again once that one is acknowledged.
      if (error.body.code === 'out_of_order' && !previousDone) {
        if (error.body.expected !== undefined) waiting.missing(error.body.expected);
        await previous.catch(() => {});
        continue;
      }
      if (++refusals > REFUSALS_TOLERATED) throw new Error(`${node.name}-node keeps refusing batch ${batch.offset}: ${error.body.text}`);
      if (node.incarnation === incarnation) await sleep(REFUSAL_PAUSE_MS, undefined, { signal });
    }
  }
}

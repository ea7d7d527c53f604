import type { Logger } from '@dbsim/logger';
import {
  type Channel,
  type Envelope,
  type ErrorBody,
  isRecordId,
  RemoteError,
  type ReplyBody,
  RequestBody,
  type Unanswered,
} from '@dbsim/protocol';
import { getTableName } from 'drizzle-orm';
import type { LogFanout } from './log-fanout.js';
import { PendingLookups } from './pending-lookups.js';
import type { Batch, NodeStore, Rejection, Resolved } from './store.js';

type Request<T extends RequestBody['type']> = Extract<RequestBody, { type: T }>;

/** Held-back rows decided per transaction at the seal: memory and the time between two events stay bounded. */
const HELD_BACK_PAGE = 5000;

/**
 * Serves the protocol for one node's store over any number of channels.
 * Inserts are applied one at a time in arrival order. An insert's reference
 * lookups start as soon as it arrives, so they overlap with earlier batches,
 * and are partial: a row whose reference the owner cannot decide yet is held
 * back rather than holding its batch up. Before the sealing batch, the
 * held-back rows are asked about again, a page at a time, with final
 * answers, and decided in stream order.
 */
export class NodeServer {
  readonly #lookups: PendingLookups;
  readonly #table: string;
  #tail: Promise<void> = Promise.resolve();
  #onShutdown: () => void = () => {};
  /** Refuses each insert still waiting for its lookups, on shutdown, instead of letting it hold the node up. */
  readonly #waiting = new Set<() => void>();
  #stopping = false;

  /** `logs`, for a standalone node: connections may subscribe to its log lines. */
  constructor(
    private readonly store: NodeStore,
    private readonly log: Logger,
    private readonly logs?: LogFanout,
  ) {
    this.#lookups = new PendingLookups(store);
    this.#table = getTableName(store.spec.table);
  }

  /** Called once a shutdown request has been answered. */
  onShutdown(handler: () => void): this {
    this.#onShutdown = handler;
    return this;
  }

  attach(channel: Channel): this {
    channel.onMessage((message) => this.#handle(channel, message)).onInvalid((problem, raw) => this.#invalid(channel, problem, raw));
    return this;
  }

  /**
   * Stops taking work: inserts still waiting for their lookups are refused,
   * and the promise resolves once the transaction in progress, if any, has
   * committed. The database can be closed then.
   */
  stop(): Promise<void> {
    this.#stopping = true;
    for (const refuse of this.#waiting) refuse();
    return this.#tail;
  }

  #handle(channel: Channel, message: Envelope): void {
    const { body } = message;
    if (!('msg_id' in body)) return; // a reply nobody waits for any more: its request was answered or abandoned
    const answer = (reply: Unanswered) =>
      channel.send({ src: channel.address, dest: message.src, body: { ...reply, in_reply_to: body.msg_id } as ReplyBody });
    switch (body.type) {
      case 'insert':
        this.#insert(channel, body, answer);
        return;
      case 'lookup':
        this.#lookups.lookup(body.producer, body.ids, body.partial === true, (found, undecided) =>
          answer({ type: 'lookup_ok', found, undecided }),
        );
        return;
      case 'hello':
        answer({ type: 'hello_ok', node: this.store.spec.node, pid: process.pid, ...this.store.latest() });
        return;
      case 'stats':
        answer({ type: 'stats_ok', ...this.store.stats(body.producer) });
        return;
      case 'rejections':
        answer({ type: 'rejections_ok', rejections: this.store.rejections(body.producer, body.after, body.limit) });
        return;
      case 'digest':
        answer({ type: 'digest_ok', ...this.store.digest() });
        return;
      case 'status': {
        const { rows, rejected } = this.store.counts();
        const uptimeMs = Math.round(process.uptime() * 1000);
        answer({ type: 'status_ok', node: this.store.spec.node, pid: process.pid, uptimeMs, rows, rejected, ...this.store.latest() });
        return;
      }
      case 'subscribe_logs':
        if (this.logs === undefined) {
          answer({ type: 'error', code: 'not_supported', definite: true, text: 'a forked node logs to its stdout' });
          return;
        }
        this.logs.subscribe(channel, message.src);
        answer({ type: 'subscribe_logs_ok' });
        return;
      case 'shutdown':
        void this.stop().then(() => {
          answer({ type: 'shutdown_ok' });
          this.#onShutdown();
        });
        return;
    }
  }

  #insert(channel: Channel, batch: Request<'insert'>, answer: (reply: Unanswered) => void): void {
    this.log.debug(
      { producer: batch.producer, offset: batch.offset, rows: batch.rows.length, seal: batch.seal === true },
      'batch received',
    );
    // The sealing batch's rows come after every held-back one: they are asked about once those are decided.
    const early = batch.seal ? undefined : this.#resolve(channel, batch.producer, batch.rows, true);
    early?.catch(() => {}); // awaited in turn below; until then a failure is not unhandled
    this.#tail = this.#tail.then(() => this.#apply(channel, batch, early, answer));
  }

  async #apply(channel: Channel, batch: Batch, early: Promise<Resolved> | undefined, answer: (reply: Unanswered) => void): Promise<void> {
    let result: ReturnType<NodeStore['apply']>;
    try {
      if (batch.seal) await this.#decideHeldBack(channel, batch);
      result = this.store.apply(batch, await this.#unlessShuttingDown(early ?? this.#resolve(channel, batch.producer, batch.rows, false)));
    } catch (error) {
      const text = error instanceof RemoteError ? `reference check failed: ${error.message}` : (error as Error).message;
      this.log.error({ offset: batch.offset, problem: text }, 'batch refused');
      answer({ type: 'error', code: 'unavailable', definite: true, text });
      return;
    }
    if (result.kind === 'out_of_order') {
      const text = result.sealed ? 'stream already sealed' : `expected offset ${result.expected}, got ${batch.offset}`;
      answer({ type: 'error', code: 'out_of_order', definite: true, text });
      return;
    }
    if (result.kind === 'applied') {
      // Logged only now that the batch is committed, and never for a repeat: one line per rejected row.
      this.#logRejections(batch.producer, batch.offset, result.rejections);
      this.#lookups.committed(result.acceptedIds);
    }
    answer({ type: 'insert_ok', ...result.outcome });
  }

  /** Before a seal: the held-back rows, a page at a time, each page decided in its own transaction and logged. */
  async #decideHeldBack(channel: Channel, seal: Batch): Promise<void> {
    for (;;) {
      const page = this.store.heldBack(seal.producer, seal.offset, HELD_BACK_PAGE);
      if (page.length === 0) return;
      const resolved = await this.#unlessShuttingDown(
        this.#resolve(
          channel,
          seal.producer,
          page.map((held) => held.row),
          false,
        ),
      );
      const { rejections, acceptedIds } = this.store.decideHeldBack(seal.producer, seal.offset, page, resolved);
      this.#logRejections(seal.producer, seal.offset, rejections);
      this.#lookups.committed(acceptedIds);
    }
  }

  /** Not a race with one long-lived shutdown promise: every race would leave it a reaction holding its work's result. */
  #unlessShuttingDown<T>(work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const refuse = () => reject(new Error('node is shutting down'));
      if (this.#stopping) refuse();
      this.#waiting.add(refuse);
      work.then(resolve, reject).finally(() => this.#waiting.delete(refuse));
    });
  }

  /** `batch` is the offset of the batch whose transaction decided them: with the position, it orders every node's lines. */
  #logRejections(run: number, batch: number, rejections: Iterable<Rejection>): void {
    for (const { position, id, reasons, row } of rejections) {
      this.log.warn({ table: this.#table, run, batch, position, id, reasons, row }, 'row rejected');
    }
  }

  /**
   * A node killed between committing a batch and logging its rejections
   * would lose those lines. So a node logs again at start what its last
   * committed batch rejected, and what a seal in progress has decided since;
   * the orchestrator keeps the first line per batch and position and drops
   * such repeats.
   */
  replayLastBatch(): void {
    const { producer, offset } = this.store.latest();
    const last = producer > 0 ? this.store.lastBatch(producer) : undefined;
    if (last === undefined) return;
    for (const decidedBy of new Set([last.offset, offset])) {
      this.#logRejections(producer, decidedBy, this.store.rejectionsDecidedBy(producer, decidedBy));
    }
  }

  /**
   * Asks the owning nodes, one lookup per node, which ids these rows
   * reference they hold: for a batch on its way in at once and partially,
   * before the seal with final answers.
   */
  async #resolve(channel: Channel, producer: number, rows: readonly unknown[], partial: boolean): Promise<Resolved> {
    const references = this.store.spec.references ?? [];
    const lookups = references.map(async ({ field, node }) => {
      const ids = new Set<number>();
      for (const row of rows) {
        const value = (row as Record<string, unknown> | null)?.[field];
        if (isRecordId(value)) ids.add(value);
      }
      if (ids.size === 0) return [field, { found: new Set<number>(), undecided: new Set<number>() }] as const;
      const reply = await channel.request(node, { type: 'lookup', producer, partial, ids: [...ids] });
      return [field, { found: new Set(reply.found), undecided: new Set(reply.undecided) }] as const;
    });
    return new Map(await Promise.all(lookups));
  }

  #invalid(channel: Channel, problem: string, raw: unknown): void {
    const envelope = (typeof raw === 'object' && raw !== null ? raw : {}) as { src?: unknown; body?: { msg_id?: unknown; type?: unknown } };
    const type = envelope.body?.type;
    const unknownType = typeof type === 'string' && !RequestBody.options.some((option) => option.shape.type.value === type);
    this.log.warn({ problem, message: raw }, unknownType ? 'unsupported message' : 'malformed message');
    const msgId = envelope.body?.msg_id;
    if (typeof envelope.src !== 'string' || !Number.isSafeInteger(msgId) || (msgId as number) < 0) return;
    const reply: ErrorBody = {
      type: 'error',
      code: unknownType ? 'not_supported' : 'malformed_message',
      definite: true,
      text: unknownType ? `unknown message type ${JSON.stringify(type)}` : problem,
      in_reply_to: msgId as number,
    };
    channel.send({ src: channel.address, dest: envelope.src, body: reply });
  }
}

import { type Logger, logEvent, logRejection } from '@dbsim/logger';
import { type Channel, isRecordId, type NodeName, type RejectionRecord, RemoteError, type Request, type Unanswered } from '@dbsim/protocol';
import { getTableName } from 'drizzle-orm';
import { isCorrupt } from './database.js';
import type { Resolved } from './judge.js';
import type { Admission } from './ledger.js';
import type { OwnerLookups } from './owner-lookups.js';
import { OwnersHeld } from './owners-held.js';
import type { HeldRow } from './reads.js';
import type { ApplyResult, Batch, NodeStore } from './store.js';

/** Held-back rows decided per transaction at the seal: memory and the time between two events stay bounded. */
const HELD_BACK_PAGE = 5000;

/** The seal reads pages of held-back rows ahead, their lookups on their way, while those ahead hold fewer characters than this. */
const SEAL_AHEAD_CHARS = 1024 * 1024;

type Answer = (reply: Unanswered) => void;

/** The batches after the one being applied whose lookups may be on their way: enough for the answers to come in time. */
const LOOKAHEAD = 2;

/**
 * The insert pipeline. Inserts are applied one at a time in arrival order.
 * An insert's reference lookups start once it is among the next LOOKAHEAD
 * batches to be applied, so they overlap with earlier batches, and are
 * partial: a row whose reference the owner cannot decide yet is held back
 * rather than holding its batch up. Before the sealing batch, the held-back
 * rows are asked about again, with final answers, and decided a page at a
 * time in stream order. An id an owner has said it holds is not asked about
 * again (OwnersHeld). A transaction's rejections are logged once it has
 * committed, one line per row.
 */
export class Inserts {
  readonly #table: string;
  #tail: Promise<void> = Promise.resolve();
  /** Batches received and not yet being applied, a sealing one included (it asks nothing ahead, but counts). */
  #notStarted = 0;
  /** Lookups of batches further ahead than LOOKAHEAD, each started as a batch starts being applied. */
  readonly #lookupsWaiting: (() => void)[] = [];
  /** Refuses each insert still waiting for its lookups, on shutdown, instead of letting it hold the node up. */
  readonly #waiting = new Set<() => void>();
  #stopping = false;
  readonly #ownersHeld = new OwnersHeld();

  /** `onFatal`: what the node does about an error it cannot answer for, a damaged database (it stops). */
  constructor(
    private readonly store: NodeStore,
    private readonly lookups: OwnerLookups,
    private readonly log: Logger,
    private readonly onFatal: (error: unknown) => void,
  ) {
    this.#table = getTableName(store.spec.table);
  }

  insert(channel: Channel, request: Request<'insert'>, answer: Answer): void {
    const batch = materialize(request);
    logEvent(this.log, 'batch received', {
      producer: batch.producer,
      offset: batch.offset,
      rows: batch.rows.length,
      seal: batch.seal === true,
    });
    // The sealing batch's rows come after every held-back one: they are asked about once those are decided.
    const early = batch.seal ? undefined : this.#soonEnough(() => this.#resolve(channel, batch.producer, batch.rows, true));
    early?.catch(() => {}); // awaited in turn below; until then a failure is not unhandled
    this.#notStarted++;
    this.#tail = this.#tail.then(() => {
      this.#notStarted--;
      // Not for batches that will only be refused: the node is stopping.
      if (!this.#stopping) this.#lookupsWaiting.shift()?.();
      return this.#apply(channel, batch, early, answer);
    });
  }

  /**
   * Starts a batch's lookups now if it is among the next LOOKAHEAD batches
   * to be applied, else once it is. Asked sooner, for every batch read
   * ahead, they would ask about ids the owners have not committed yet, and
   * more rows would be held back until the seal.
   */
  #soonEnough(lookups: () => Promise<Resolved>): Promise<Resolved> {
    if (this.#notStarted < LOOKAHEAD) return lookups();
    return new Promise((resolve) => this.#lookupsWaiting.push(() => resolve(lookups())));
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

  /** The node's tables were emptied: what the owners were known to hold is forgotten with them. */
  reset(): void {
    this.#ownersHeld.forget();
  }

  /** Gives an interrupted producer's stream up: its held-back rows rejected as run_abandoned, and logged, a page at a time. */
  abandon(producer: number): Promise<number> {
    const work = this.#tail.then(() => {
      const { offset } = this.store.ledger.state(producer);
      let abandoned = 0;
      for (let page = this.store.abandon(producer, HELD_BACK_PAGE); ; page = this.store.abandon(producer, HELD_BACK_PAGE)) {
        this.#logRejections(producer, offset, page.rejections);
        abandoned += page.rejections.length;
        if (page.rejections.length === 0) return abandoned;
      }
    });
    this.#tail = work.then(
      () => {},
      () => {},
    );
    return work;
  }

  /**
   * A node killed between committing a batch and logging its rejections
   * would lose those lines. So a node logs again at start what its last
   * committed batch rejected, and what a seal in progress has decided since;
   * the orchestrator keeps the first line per batch and position and drops
   * such repeats.
   */
  replayLastBatch(): void {
    const { producer, offset } = this.store.ledger.latest();
    const last = producer > 0 ? this.store.ledger.lastBatch(producer) : undefined;
    if (last === undefined) return;
    for (const decidedBy of new Set([last.offset, offset])) {
      this.#logRejections(producer, decidedBy, this.store.reads.rejectionsDecidedBy(producer, decidedBy));
    }
  }

  async #apply(channel: Channel, batch: Batch, early: Promise<Resolved> | undefined, answer: Answer): Promise<void> {
    // Batches read ahead would otherwise be applied back to back: what came meanwhile (lookups, pings) is answered first.
    await afterIo();
    // A batch seen before, or one that overtook the batch before it, is answered at once: its lookups would change nothing.
    const admission = this.store.ledger.admit(batch.producer, batch.offset);
    if (admission.kind !== 'next') {
      this.#answerUnapplied(admission, batch.offset, answer);
      return;
    }
    let result: ApplyResult;
    try {
      if (batch.seal) await this.#decideHeldBack(channel, batch);
      const resolved = await this.#unlessStopping(early ?? this.#resolve(channel, batch.producer, batch.rows, false));
      result = this.store.apply(batch, resolved);
      if (result.kind === 'applied') this.#ownersHeld.committed(resolved);
    } catch (error) {
      if (isCorrupt(error)) {
        this.onFatal(error);
        return;
      }
      const text = error instanceof RemoteError ? `reference check failed: ${error.message}` : (error as Error).message;
      logEvent(this.log, 'batch refused', { offset: batch.offset, problem: text });
      answer({ type: 'error', code: 'unavailable', definite: true, text });
      return;
    }
    if (result.kind !== 'applied') {
      this.#answerUnapplied(result, batch.offset, answer);
      return;
    }
    // Logged only now that the batch is committed, and never for a repeat: one line per rejected row.
    this.#logRejections(batch.producer, batch.offset, result.rejections);
    this.lookups.committed();
    answer({ type: 'insert_ok', ...result.outcome });
  }

  /** A repeat is answered from its record; a batch out of order is refused, saying which offset the node takes next. */
  #answerUnapplied(admission: Exclude<Admission, { kind: 'next' }>, offset: number, answer: Answer): void {
    if (admission.kind === 'repeat') {
      answer({ type: 'insert_ok', ...admission.outcome });
      return;
    }
    const { sealed, expected } = admission;
    const text = sealed ? 'stream already sealed' : `expected offset ${expected}, got ${offset}`;
    answer({ type: 'error', code: 'out_of_order', definite: true, text, ...(sealed ? {} : { expected }) });
  }

  /**
   * Before a seal: the held-back rows, a page at a time, each page decided
   * in its own transaction and logged. Pages are read ahead while those
   * ahead hold under SEAL_AHEAD_CHARS (one at least), and their final
   * lookups sent at once: the owners answer each as soon as they decide its
   * ids, rather than a round trip per page after their streams end.
   */
  async #decideHeldBack(channel: Channel, seal: Batch): Promise<void> {
    const { producer, offset } = seal;
    const ahead: { page: HeldRow[]; chars: number; resolved: Promise<Resolved> }[] = [];
    let chars = 0;
    let after = -1;
    const readAhead = () => {
      while (ahead.length === 0 || chars < SEAL_AHEAD_CHARS) {
        const page = this.store.heldBack(producer, offset, HELD_BACK_PAGE, after);
        if (page.length === 0) return;
        after = (page.at(-1) as HeldRow).position;
        const resolved = this.#resolve(
          channel,
          producer,
          page.map((held) => held.row),
          false,
        );
        resolved.catch(() => {}); // awaited in turn below
        const pageChars = page.reduce((sum, held) => sum + held.text.length, 0);
        ahead.push({ page, chars: pageChars, resolved });
        chars += pageChars;
      }
    };
    readAhead();
    for (let next = ahead.shift(); next !== undefined; next = ahead.shift()) {
      chars -= next.chars;
      const resolved = await this.#unlessStopping(next.resolved);
      const { rejections } = this.store.decideHeldBack(producer, offset, next.page, resolved);
      this.#ownersHeld.committed(resolved);
      this.#logRejections(producer, offset, rejections);
      this.lookups.committed();
      readAhead();
    }
  }

  /** Not a race with one long-lived shutdown promise: every race would leave it a reaction holding its work's result. */
  #unlessStopping<T>(work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const refuse = () => reject(new Error('node is shutting down'));
      if (this.#stopping) refuse();
      this.#waiting.add(refuse);
      work.then(resolve, reject).finally(() => this.#waiting.delete(refuse));
    });
  }

  /** `batch` is the offset of the batch whose transaction decided them: with the position, it orders every node's lines. */
  #logRejections(run: number, batch: number, rejections: Iterable<RejectionRecord>): void {
    for (const { row, ...rejection } of rejections) logRejection(this.log, { table: this.#table, run, batch, ...rejection }, row);
  }

  /**
   * Asks the owning nodes, one lookup per node, which ids these rows
   * reference they hold: for a batch on its way in at once and partially,
   * before the seal with final answers.
   */
  async #resolve(channel: Channel, producer: number, rows: readonly unknown[], partial: boolean): Promise<Resolved> {
    const references = this.store.spec.references ?? [];
    const learned: { owner: NodeName; ids: number[] }[] = [];
    const lookups = references.map(async ({ field, node }) => {
      const held = this.#ownersHeld.of(producer, node);
      // Asked as they come, a repeated id too: the owner answers each id once however often it is asked, and a set
      // to drop the repeats cost orders-node more than the few extra ids cost the message.
      const ids: number[] = [];
      for (const row of rows) {
        const value = (row as Record<string, unknown> | null)?.[field];
        if (isRecordId(value) && !held.has(value)) ids.push(value);
      }
      // Every record id not asked is one the owner holds; any other value (-1, 1.5) is none.
      if (ids.length === 0) return [field, { found: isRecordId, undecided: new Set<number>() }] as const;
      const reply = await channel.request(node, { type: 'lookup', producer, partial, ids });
      const missing = new Set(reply.missing);
      const undecided = new Set(reply.undecided);
      // Every record id asked that the owner did not name is one it holds, and so is every one not asked.
      const allHeld = missing.size === 0 && undecided.size === 0;
      const found = allHeld ? isRecordId : (id: number) => isRecordId(id) && !missing.has(id) && !undecided.has(id);
      learned.push({ owner: node, ids: allHeld ? ids : ids.filter(found) });
      return [field, { found, undecided }] as const;
    });
    const resolved: Resolved = new Map(await Promise.all(lookups));
    this.#ownersHeld.answered(resolved, producer, learned);
    return resolved;
  }
}

/**
 * Resolves once the event loop has polled for I/O: a setImmediate callback
 * set from an I/O callback runs before the next poll, a second one after it.
 */
function afterIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

/** The batch as the store takes it: a row sent as the text it was written in, parsed (its numbers out of range are Infinity). */
function materialize({ rows, texts, ...batch }: Request<'insert'>): Batch {
  if (texts === undefined) return { ...batch, rows };
  return { ...batch, texts, rows: rows.map((row, index) => (texts[index] === undefined ? row : JSON.parse(texts[index]))) };
}

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Event, HISTORY_FILE, HistoryWriter, type Message } from '@dbsim/history';
import { type NodeName, perNode, type ReplyTo } from '@dbsim/protocol';
import { writeRunPage } from '@dbsim/run-page';
import type { Batch } from './batching.js';

/** Where a node's stream stands, as the history's ticks say it. */
interface Standing {
  committed: number;
  /** Rows held back, by the offset of the batch that held them back, until the seal decides them. */
  held: Map<number, number>;
  inFlight: number;
}

/**
 * What a run records of itself as it goes, into DIR/history.ndjson: each
 * node's standing (rows committed and held back, batches in flight), the
 * seals, restarts, faults and lost batches, and every message the net
 * carries (which the history keeps within its windows). `enabled` false
 * records nothing: a run with --no-history, to measure what it costs.
 */
export class RunRecord {
  #writer: HistoryWriter | undefined;
  #dir: string | undefined;
  #ended = false;
  /** The messages carried before the run's folder could be written to: its checks come first. */
  #early: Message[] | undefined = [];
  readonly #standing = perNode((): Standing => ({ committed: 0, held: new Map(), inFlight: 0 }));

  constructor(
    private readonly enabled: boolean,
    private readonly page: boolean,
  ) {}

  /** Starts writing DIR/history.ndjson, a fresh run's from empty (or none at all): the messages carried so far first. */
  open(dir: string, fresh: boolean): void {
    const file = join(dir, HISTORY_FILE);
    this.#dir = dir;
    // A history of another run, or of this one's part before a resume without one, would draw what did not happen.
    if (fresh || !this.enabled) rmSync(file, { force: true });
    if (this.enabled) this.#writer = new HistoryWriter(file);
    for (const message of this.#early ?? []) this.#writer?.message(message);
    this.#early = undefined;
  }

  /** For the net: each message it carried. */
  readonly message = (message: Message): void => {
    if (!this.enabled) return;
    if (this.#early) this.#early.push(message);
    else this.#writer?.message(message);
  };

  event<K extends 'run' | 'fault' | 'restart' | 'lost'>(k: K, fields: Event<K>): void {
    this.#writer?.event(k, fields);
  }

  /**
   * The run ended: its last line, then DIR/run.html drawn from the folder.
   * Once only, and only for a run that got as far as its folder: one
   * refused before has no page of its own to draw. Says why the page could
   * not be drawn, if it could not: the run's outcome stands all the same.
   */
  async end(fields: Event<'end'>): Promise<string | undefined> {
    if (this.#ended || this.#dir === undefined) return undefined;
    this.#ended = true;
    this.#writer?.event('end', fields);
    this.close();
    if (!this.page) return undefined;
    return writeRunPage(this.#dir).then(
      () => undefined,
      (error: unknown) => (error as Error).message.split('\n')[0],
    );
  }

  started(node: NodeName, from: number): void {
    this.#standing[node].committed = from;
    this.#tick(node);
  }

  sent(node: NodeName, batch: Batch): void {
    this.#standing[node].inFlight++;
    if (batch.seal) this.#writer?.event('seal', { node, phase: 'sent' });
    this.#tick(node);
  }

  acknowledged(node: NodeName, batch: Batch, ack: ReplyTo<'insert'>): void {
    const standing = this.#standing[node];
    standing.inFlight = Math.max(0, standing.inFlight - 1);
    if (ack.deferred > 0) standing.held.set(batch.offset, ack.deferred);
    if (batch.seal) {
      standing.held.clear(); // decided before the seal was applied
      this.#writer?.event('seal', { node, phase: 'acknowledged' });
    }
    this.#tick(node);
  }

  /** The committed offset moved: on, or back after a power loss (whose held-back rows went with the batches). */
  committed(node: NodeName, offset: number): void {
    const standing = this.#standing[node];
    if (offset < standing.committed) for (const at of standing.held.keys()) if (at >= offset) standing.held.delete(at);
    standing.committed = offset;
    this.#tick(node);
  }

  /** A node restarted or went back: what it had in flight is sent again. */
  unsent(node: NodeName): void {
    this.#standing[node].inFlight = 0;
    this.#tick(node);
  }

  close(): void {
    this.#writer?.close();
    this.#writer = undefined;
  }

  #tick(node: NodeName): void {
    const { committed, held, inFlight } = this.#standing[node];
    let heldRows = 0;
    for (const rows of held.values()) heldRows += rows;
    this.#writer?.standing(node, { committed, held: heldRows, inFlight });
  }
}

/** After a run under faults was compared with an undisturbed one: what was injected and what differed, and the page again. */
export async function recordComparison(dir: string, injected: Event<'chaos'>['injected'], differs: string[]): Promise<void> {
  const writer = new HistoryWriter(join(dir, HISTORY_FILE));
  writer.event('chaos', { injected, differs });
  writer.close();
  await writeRunPage(dir);
}

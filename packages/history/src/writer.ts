import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { type SyncDestination, syncDestination } from '@dbsim/logger';
import type { NodeName } from '@dbsim/protocol';
import { type Event, type HistoryLine, type LineOf, type Message, now } from './lines.js';

/** A small run's messages are all recorded: this many, from the start. */
export const START_MESSAGES = 2000;
/** Around each fault, the messages just before it and this many after. */
export const FAULT_MESSAGES = 1000;
/** The messages kept back, to be written if a fault or the end comes: so many before each. */
const RECENT_MESSAGES = 500;
/** How often a node's standing is written, at most: the timeline's resolution. */
const TICK_MS = 100;

type Standing = Omit<Event<'tick'>, 'node'>;

/**
 * Writes a run's history as it goes, appending to DIR/history.ndjson (a
 * resumed run continues it): synchronously, a stretch of work's lines at its
 * end, so that a crash loses nothing already written. A node's standing is
 * written at most every TICK_MS; messages one by one within the windows
 * (START_MESSAGES from the start, RECENT_MESSAGES before and FAULT_MESSAGES
 * after each fault, RECENT_MESSAGES before the end), so that the history of
 * a run of any length stays small.
 */
export class HistoryWriter {
  readonly #fd: number;
  readonly #out: SyncDestination;
  readonly #standing = new Map<NodeName, { now: Standing; written: boolean; at: number }>();
  readonly #ticker: NodeJS.Timeout;
  #messages = 0;
  #afterFault = 0;
  #recent: Message[] = [];

  constructor(readonly file: string) {
    this.#fd = openSync(file, 'a');
    this.#out = syncDestination(this.#fd);
    // A line a crash cut short is ended, so that the first line of this writer is whole.
    if (!endsLine(file)) this.#out.write('\n');
    this.#ticker = setInterval(() => this.#writeTicks(false), TICK_MS / 4);
    this.#ticker.unref();
  }

  event<K extends Exclude<HistoryLine['k'], 'tick' | 'msg'>>(k: K, fields: Event<K>): void {
    if (k === 'fault') this.#flushRecent('fault', FAULT_MESSAGES);
    if (k === 'end') {
      this.#writeTicks(true);
      this.#flushRecent('end', 0);
    }
    this.#write({ k, at: now(), ...fields } as LineOf<K>);
  }

  /** Where a node's stream stands now: written at once if its last tick is TICK_MS old, else with the next. */
  standing(node: NodeName, standing: Standing): void {
    const at = this.#standing.get(node)?.at ?? Number.NEGATIVE_INFINITY;
    this.#standing.set(node, { now: standing, written: false, at });
    this.#writeTick(node, now());
  }

  message(message: Message): void {
    if (this.#messages < START_MESSAGES) {
      this.#messages++;
      this.#write({ k: 'msg', ...message, window: 'start' });
    } else if (this.#afterFault > 0) {
      this.#afterFault--;
      this.#write({ k: 'msg', ...message, window: 'fault' });
    } else {
      this.#recent.push(message);
      if (this.#recent.length > 2 * RECENT_MESSAGES) this.#recent = this.#recent.slice(-RECENT_MESSAGES);
    }
  }

  close(): void {
    clearInterval(this.#ticker);
    this.#out.close();
    closeSync(this.#fd);
  }

  #flushRecent(window: 'fault' | 'end', after: number): void {
    for (const message of this.#recent.slice(-RECENT_MESSAGES)) this.#write({ k: 'msg', ...message, window });
    this.#recent = [];
    this.#afterFault = after;
  }

  /** The standings not yet written whose last tick is TICK_MS old, or all of them at the end. */
  #writeTicks(all: boolean): void {
    const at = now();
    for (const node of this.#standing.keys()) this.#writeTick(node, at, all);
  }

  #writeTick(node: NodeName, at: number, all = false): void {
    const standing = this.#standing.get(node);
    if (standing === undefined || standing.written || (!all && at - standing.at < TICK_MS)) return;
    standing.written = true;
    standing.at = at;
    this.#write({ k: 'tick', at, node, ...standing.now });
  }

  #write(line: HistoryLine): void {
    this.#out.write(`${JSON.stringify(line)}\n`);
  }
}

/** Whether the file is empty or ends with a whole line. */
function endsLine(file: string): boolean {
  const { size } = statSync(file);
  if (size === 0) return true;
  const last = Buffer.alloc(1);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, last, 0, 1, size - 1);
  } finally {
    closeSync(fd);
  }
  return last[0] === 0x0a;
}

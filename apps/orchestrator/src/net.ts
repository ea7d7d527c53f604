import { Duplex } from 'node:stream';
import { Random } from '@dbsim/datasets';
import { LineDecoder, type NodeName, perNode } from '@dbsim/protocol';

/** What the network does to each message: rates per message, from 0 to MAX_RATE, and a bound on its delay. */
export interface NetworkFaults {
  drop: number;
  duplicate: number;
  reorder: number;
  latencyMs: number;
}

/** Above this a run would spend most of its time resending: rates are capped so that a run can still end. */
export const MAX_RATE = 0.5;

/** A reordered message is held this long and up to twice as long, so that the messages after it overtake it. */
const REORDER_HOLD_MS = 25;
/** A message's identity is read from its first characters: an insert's head names its producer and offset. */
const IDENTITY_CHARS = 2048;
/** How many identities are remembered to count attempts: a message is sent again within seconds, if at all. */
const REMEMBERED = 100_000;

export interface LinkCounts {
  dropped: number;
  duplicated: number;
  reordered: number;
  /** Lost because the link was cut (a partition), in either direction. */
  cut: number;
}

/** Which way a message goes on a node's link: from the orchestrator to the node, or back. */
export type Direction = 'in' | 'out';

/**
 * Maelstrom's net, on the links between the orchestrator and the nodes: every
 * message each way, whatever it is (inserts and acknowledgements, relayed
 * lookups and answers, pings, reads), passes through it and may be dropped,
 * duplicated, held back so that later ones overtake it, or delayed; and a
 * node's link may be cut both ways for a while (a partition), losing
 * everything sent meanwhile. Its faults are seeded, and decided by a hash of
 * the link, the direction and the message's identity (what it says, less its
 * msg_id, and how many times the same was sent before), not by when it
 * comes: the same seed does the same to the same message, however the run's
 * timing differs. The faults begin when start() is called, once the run's
 * setup is done.
 */
export class Net {
  readonly counts: Record<NodeName, LinkCounts> = perNode(() => ({ dropped: 0, duplicated: 0, reordered: 0, cut: 0 }));
  readonly #cutUntil = new Map<NodeName, number>();
  readonly #attempts = new Map<string, number>();
  #started = false;

  constructor(
    private readonly seed: number,
    private readonly faults: NetworkFaults,
  ) {}

  start(): void {
    this.#started = true;
  }

  /** Cuts the node's link both ways for `ms`: what is sent meanwhile, either way, is lost. */
  partition(node: NodeName, ms: number): void {
    this.#cutUntil.set(node, Date.now() + ms);
  }

  /** The node's link as the channel sees it: `stream`, through the faults. */
  link(node: NodeName, stream: Duplex): Duplex {
    return new FaultyLink(
      stream,
      (line, direction) => this.#fate(node, direction, line),
      () => this.#cut(node),
    );
  }

  #cut(node: NodeName): boolean {
    const until = this.#cutUntil.get(node);
    if (until === undefined || Date.now() >= until) return false;
    this.counts[node].cut++;
    return true;
  }

  /** When each copy of a message is delivered, in ms from now: none for a lost message, two for a duplicated one. */
  #fate(node: NodeName, direction: Direction, line: string): number[] {
    if (!this.#started) return [0];
    const { drop, duplicate, reorder, latencyMs } = this.faults;
    const head = line.slice(0, IDENTITY_CHARS);
    const said = head.replace(/"(msg_id|in_reply_to)":\d+/g, '');
    const identity = `${node}:${direction}:${said}:${line.length - head.length + said.length}`;
    const attempt = this.#attempts.get(identity) ?? 0;
    this.#attempts.delete(identity); // re-added last: the oldest identities go first
    this.#attempts.set(identity, attempt + 1);
    if (this.#attempts.size > REMEMBERED) this.#attempts.delete(this.#attempts.keys().next().value as string);
    const random = new Random(this.seed, identity, attempt);
    const counts = this.counts[node];
    if (random.next() < drop) {
      counts.dropped++;
      return [];
    }
    const delay = () => (latencyMs > 0 ? random.int(0, latencyMs) : 0);
    const reordered = random.next() < reorder;
    if (reordered) counts.reordered++;
    const first = (reordered ? REORDER_HOLD_MS * (1 + random.next()) : 0) + delay();
    if (random.next() >= duplicate) return [first];
    counts.duplicated++;
    return [first, first + delay() + 1];
  }
}

/**
 * A stream of lines between a channel and its link, each line's copies
 * delivered when its fate says (a line goes through at once when it is not
 * delayed, as on a link without faults), and none while the link is cut.
 */
class FaultyLink extends Duplex {
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly inner: Duplex,
    private readonly fate: (line: string, direction: Direction) => number[],
    private readonly cut: () => boolean,
  ) {
    super({ decodeStrings: false });
    const lines = new LineDecoder(
      (line) => this.#deliver(`${line}\n`, 'out', (text) => this.push(text)),
      () => {},
    );
    inner.on('data', (chunk: Buffer) => lines.write(chunk));
    inner.on('end', () => this.push(null));
    inner.on('error', (error) => this.destroy(error));
    inner.on('close', () => this.destroy());
  }

  /** The channel writes one whole line at a time. */
  override _write(line: string, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.#deliver(line, 'in', (text) => {
      if (!this.inner.writableEnded && !this.inner.destroyed) this.inner.write(text);
    });
    done();
  }

  override _read(): void {}

  override _final(done: (error?: Error | null) => void): void {
    this.inner.end();
    done();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.inner.destroy();
    done(error);
  }

  #deliver(line: string, direction: Direction, pass: (line: string) => void): void {
    for (const delayMs of this.fate(line, direction)) {
      if (delayMs <= 0) {
        if (!this.cut()) pass(line);
        continue;
      }
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        if (!this.cut() && !this.destroyed) pass(line);
      }, delayMs);
      this.#timers.add(timer);
    }
  }
}

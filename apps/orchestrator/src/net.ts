import { Duplex } from 'node:stream';
import { Random } from '@dbsim/datasets';
import { type Message, now } from '@dbsim/history';
import { type InsertLine, type Line, LineDecoder, lineHead, type NodeName, ORCHESTRATOR, perNode, writeLine } from '@dbsim/protocol';

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
/** How many identities (and relayed messages on their way) are remembered: a message is sent again within seconds, if at all. */
const REMEMBERED = 100_000;

export interface LinkCounts {
  dropped: number;
  duplicated: number;
  reordered: number;
  /** Lost because the link was cut (a partition), in either direction. */
  cut: number;
}

/** Which way a message goes on a node's link: from the orchestrator to the node, or back. */
export type Direction = 'to node' | 'from node';

/** Hands a line over to the other end; `delivered` once it has gone (never, if the link has closed). */
type Pass = (line: Line, delivered: () => void) => void;

/** One copy of a message on its way: how long it takes, and what it does when it arrives. */
interface Copy {
  delayMs: number;
  go(): void;
}

/** Who sent a message to whom, and what it is, read from the head of its line. */
interface Head {
  src: string;
  dest: string;
  type: string;
  id: number | undefined;
}

/**
 * Maelstrom's net, on the links between the orchestrator and the nodes:
 * every message each way, whatever it is (inserts and acknowledgements,
 * relayed lookups and answers, pings, reads), passes through it. It records
 * each one (`record`), when it was sent and received, as the run's history
 * draws them: a message from one node to another as one message, though the
 * orchestrator relays it. And under chaos it may drop a message, duplicate
 * it, hold it back so that later ones overtake it, or delay it, and cut a
 * node's link both ways for a while (a partition), losing everything sent
 * meanwhile. Its faults are seeded, and decided by a hash of the link, the
 * direction and the message's identity (what it says, less its msg_id, and
 * how many times the same was sent before), not by when it comes: the same
 * seed does the same to the same message, however the run's timing differs.
 * The faults begin when start() is called, once the run's setup is done.
 */
export class Net {
  readonly counts: Record<NodeName, LinkCounts> = perNode(() => ({ dropped: 0, duplicated: 0, reordered: 0, cut: 0 }));
  readonly #cutUntil = new Map<NodeName, number>();
  readonly #attempts = new Map<string, number>();
  /** When each message from one node to another reached the orchestrator, until it is passed on. */
  readonly #relayed = new Map<string, number>();
  #started = false;

  constructor(
    private readonly chaos: { seed: number; faults: NetworkFaults } | undefined,
    private readonly record: (message: Message) => void = () => {},
  ) {}

  start(): void {
    this.#started = this.chaos !== undefined;
  }

  /** Cuts the node's link both ways for `ms`: what is sent meanwhile, either way, is lost. */
  partition(node: NodeName, ms: number): void {
    this.#cutUntil.set(node, Date.now() + ms);
  }

  /** The node's link as the channel sees it: `stream`, through the net. */
  link(node: NodeName, stream: Duplex): Duplex {
    return new NetLink(stream, (line, direction, pass) => this.#carry(node, line, direction, pass));
  }

  /** Carries one line across a node's link: for each copy its fate says, after how long, and how it goes (recorded). */
  #carry(node: NodeName, line: Line, direction: Direction, pass: Pass): Copy[] {
    const head = readHead(line);
    const arrived = now();
    const key = `${head.src}>${head.dest}#${head.type}#${head.id}`;
    // A message from a node to another is sent when it reaches the orchestrator, received when it is passed on.
    const relayed = head.src !== '' && head.dest !== '' && head.src !== ORCHESTRATOR && head.dest !== ORCHESTRATOR;
    const sent = direction === 'to node' && relayed ? (this.#relayed.get(key) ?? arrived) : arrived;
    if (direction === 'to node' && relayed) this.#relayed.delete(key);
    // Else its ends are the link's: a ping may name its addressee only as `peer`, before the node has spoken.
    const [from, to] = relayed ? [head.src, head.dest] : direction === 'to node' ? [ORCHESTRATOR, node] : [node, ORCHESTRATOR];
    const message = { from, to, type: head.type, ...(head.id === undefined ? {} : { id: head.id }), sent };
    const fate = this.#fate(node, direction, line);
    if (fate.length === 0) this.record({ ...message, fate: 'dropped' });
    return fate.map((delayMs) => ({
      delayMs,
      go: () => {
        if (this.#cut(node)) this.record({ ...message, fate: 'cut' });
        else if (direction === 'from node' && relayed) pass(line, () => remember(this.#relayed, key, sent));
        else pass(line, () => this.record({ ...message, received: now() }));
      },
    }));
  }

  #cut(node: NodeName): boolean {
    const until = this.#cutUntil.get(node);
    if (until === undefined || Date.now() >= until) return false;
    this.counts[node].cut++;
    return true;
  }

  /** When each copy of a message is delivered, in ms from now: none for a lost message, two for a duplicated one. */
  #fate(node: NodeName, direction: Direction, line: Line): number[] {
    if (!this.#started || this.chaos === undefined) return [0];
    const { seed, faults } = this.chaos;
    const { drop, duplicate, reorder, latencyMs } = faults;
    const head = lineHead(line, IDENTITY_CHARS);
    const said = head.replace(/"(msg_id|in_reply_to)":\d+/g, '');
    const identity = `${node}:${direction}:${said}:${line.length - head.length + said.length}`;
    const attempt = this.#attempts.get(identity) ?? 0;
    this.#attempts.delete(identity); // re-added last: the oldest identities go first
    remember(this.#attempts, identity, attempt + 1);
    const random = new Random(seed, identity, attempt);
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

/** Keeps a key in a map of at most REMEMBERED, forgetting the oldest. */
function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.set(key, value);
  if (map.size > REMEMBERED) map.delete(map.keys().next().value as string);
}

const HEAD = /^\{"src":"([^"]*)","dest":"([^"]*)","body":\{(.{0,400})/;

/** The sender, addressee, type and id of a message, from the head of its line, as the channel writes it. */
function readHead(line: Line): Head {
  const [, src = '', dest = '', body = ''] = HEAD.exec(lineHead(line, 500)) ?? [];
  const type = /"type":"([^"]*)"/.exec(body)?.[1] ?? 'unknown';
  const id = /"(?:msg_id|in_reply_to)":(\d+)/.exec(body)?.[1];
  return { src: known(src), dest: known(dest), type: known(type), id: id === undefined ? undefined : Number(id) };
}

const names = new Map<string, string>();
/**
 * A name read from a line, as a string of its own: a piece cut from a line
 * keeps the whole line alive (V8 slices strings), and the history keeps
 * hundreds of messages. Names are few: each is kept once.
 */
function known(name: string): string {
  let own = names.get(name);
  if (own === undefined) {
    own = Buffer.from(name).toString();
    if (names.size < REMEMBERED) names.set(own, own);
  }
  return own;
}

/**
 * A stream of lines between a channel and its link. The channel writes one
 * whole line at a time; the link's bytes are split into lines. Each line's
 * copies go through when the net says: at once when not delayed, as on a
 * link without faults.
 *
 * Inserts, the lines written in parts (their rows encoded once), go in
 * order, each once the link has taken the one before whole; other lines go
 * at once. So a lookup relayed to a busy owner waits behind what the
 * link's kernel buffers hold, which the owner reads between two batches,
 * and not behind a window of batches queued here as well.
 */
class NetLink extends Duplex {
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #inserts: { line: InsertLine; delivered(): void }[] = [];
  /** An insert the link has not taken whole yet. */
  #insertGoing = false;

  constructor(
    private readonly inner: Duplex,
    private readonly carry: (line: Line, direction: Direction, pass: Pass) => Copy[],
  ) {
    super({ writableObjectMode: true });
    const lines = new LineDecoder(
      (line) =>
        this.#deliver(`${line}\n`, 'from node', (text, delivered) => {
          if (this.destroyed) return;
          this.push(text);
          delivered();
        }),
      () => {},
    );
    inner.on('data', (chunk: Buffer) => lines.write(chunk));
    inner.on('end', () => this.push(null));
    inner.on('error', (error) => this.destroy(error));
    inner.on('close', () => this.destroy());
  }

  override _write(line: Line, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.#deliver(line, 'to node', (text, delivered) => {
      if (this.inner.writableEnded || this.inner.destroyed) {
        if (typeof text !== 'string') text.rows.release();
        return;
      }
      if (typeof text !== 'string') {
        this.#inserts.push({ line: text, delivered });
        this.#sendInserts();
        return;
      }
      this.inner.write(text);
      delivered();
    });
    done();
  }

  override _read(): void {}

  #sendInserts(): void {
    if (this.#insertGoing || this.inner.writableEnded || this.inner.destroyed) return;
    const insert = this.#inserts.shift();
    if (insert === undefined) return;
    this.#insertGoing = true;
    writeLine(this.inner, insert.line, (error) => {
      this.#insertGoing = false;
      if (!error) insert.delivered();
      this.#sendInserts();
    });
  }

  override _final(done: (error?: Error | null) => void): void {
    for (const { line, delivered } of this.#inserts.splice(0))
      writeLine(this.inner, line, (error) => {
        if (!error) delivered();
      });
    this.inner.end();
    done();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    // The copies queued are never written: their rows are let go. Those held back keep theirs, for the garbage collector.
    for (const timer of this.#timers) clearTimeout(timer);
    for (const { line } of this.#inserts.splice(0)) line.rows.release();
    this.inner.destroy();
    done(error);
  }

  /**
   * Each copy of an insert holds its rows until it is written or lost, as
   * the line did until here: they are written over once the last lets go.
   */
  #deliver(line: Line, direction: Direction, pass: Pass): void {
    let passed = false;
    const copies = this.carry(line, direction, (text, delivered) => {
      passed = true;
      pass(text, delivered);
    });
    const rows = typeof line === 'string' ? undefined : line.rows;
    for (const _ of copies) rows?.hold();
    rows?.release();
    const go = (copy: Copy) => {
      passed = false;
      copy.go();
      if (!passed) rows?.release(); // lost to a partition
    };
    for (const copy of copies) {
      if (copy.delayMs <= 0) {
        go(copy);
        continue;
      }
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        go(copy);
      }, copy.delayMs);
      this.#timers.add(timer);
    }
  }
}

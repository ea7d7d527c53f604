import { Random } from '@dbsim/datasets';
import { type Logger, logEvent } from '@dbsim/logger';
import { NODES, type NodeName, processName } from '@dbsim/protocol';
import type { ChaosOptions } from './options.js';
import type { Supervisor } from './supervisor.js';

/** What the nemesis needs of a supervised node: which incarnation runs, and a way to crash it. */
export type Victim = Pick<Supervisor, 'incarnation' | 'kill'>;

interface Kill {
  node: NodeName;
  /** The node's committed rows at which it is killed. */
  at: number;
  fired: boolean;
}

/**
 * Jepsen's nemesis: seeded faults, here SIGKILLs of random nodes at random
 * points of their streams, while they are busy committing, and random pauses
 * before batches. The same seed and data set give the same schedule.
 */
export class Nemesis {
  readonly #kills: Kill[];
  /** The incarnation each node's last kill hit: acks it sent before dying must not spend the next kill on it. */
  readonly #killed = new Map<NodeName, number>();

  constructor(
    private readonly options: ChaosOptions,
    counts: Record<NodeName, number | undefined>,
    private readonly nodes: Record<NodeName, Victim>,
    private readonly log: Logger,
  ) {
    const random = new Random(options.seed, 'kills');
    const victims = NODES.filter((node) => (counts[node] ?? 0) > 0);
    this.#kills = [];
    for (let i = 0; i < options.kills && victims.length > 0; i++) {
      const node = random.pick(victims);
      // Between 5% and 95% of the way: well inside the commit-heavy part of the stream.
      this.#kills.push({ node, at: Math.floor((counts[node] ?? 0) * (0.05 + 0.9 * random.next())), fired: false });
    }
    this.#kills.sort((a, b) => a.at - b.at);
  }

  /** The random pause before a node's batch at this offset. */
  delay(node: NodeName, offset: number): number {
    return new Random(this.options.seed, node, offset).int(0, this.options.maxDelayMs);
  }

  /** Fires the first kill a node's progress has reached; the next one waits for the next incarnation's progress. */
  committed(node: NodeName, offset: number): void {
    const { incarnation } = this.nodes[node];
    if (incarnation === undefined || this.#killed.get(node) === incarnation) return;
    const kill = this.#kills.find((k) => k.node === node && !k.fired && offset >= k.at);
    if (kill === undefined) return;
    kill.fired = true;
    this.#killed.set(node, incarnation);
    logEvent(this.log, 'chaos: killing node with SIGKILL', { target: processName(node), committed: offset });
    this.nodes[node].kill();
  }

  describe(): string {
    const kills = this.#kills.map((kill) => `${kill.node} at row ${kill.at}${kill.fired ? '' : ' (not reached)'}`);
    return `chaos (seed ${this.options.seed}): ${kills.length} SIGKILLs (${kills.join(', ') || 'none'}), pauses of 0-${this.options.maxDelayMs} ms before each batch`;
  }
}

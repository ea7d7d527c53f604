import { Random } from '@dbsim/datasets';
import { type Logger, logEvent } from '@dbsim/logger';
import { type Durability, NODES, type NodeName, PROCESS_FAULTS, type ProcessFault, processName } from '@dbsim/protocol';
import type { Net } from './net.js';
import type { ChaosOptions } from './options.js';
import { count } from './summary.js';
import type { Supervisor } from './supervisor.js';

/** What the nemesis does to a supervised node: which incarnation runs, and the faults that hit its process. */
export type Victim = Pick<Supervisor, 'incarnation' | 'kill' | 'pause' | 'powerLoss'>;

interface Fault {
  kind: ProcessFault;
  node: NodeName;
  /** The node's committed rows from which it fires. */
  at: number;
  /** How long a pause or a partition lasts. */
  ms: number;
  /** The node's committed rows when it fired. */
  firedAt?: number;
}

/** What a fault leaves behind: the incarnation it hit, and until when it lasts. */
interface Hit {
  incarnation: number;
  until: number;
}

/**
 * Jepsen's nemesis: seeded faults at seeded points of the nodes' streams,
 * while they commit (between 5% and 95% of a stream): SIGKILLs, pauses
 * (SIGSTOP, then SIGCONT), partitions (the node's link cut both ways) and
 * power losses (a SIGKILL that also loses what the node had not synced),
 * one at a time per node; random pauses before batches; and the network
 * faults of every message, which the Net injects. A pause or a partition
 * lasts from a quarter of a second to one and a half times the hang timeout,
 * so some outlast it and end in a restart. The same seed and data set give
 * the same schedule.
 */
export interface NemesisParts {
  options: ChaosOptions;
  /** Each table's rows, where known: faults land between 5% and 95% of a stream. */
  counts: Record<NodeName, number | undefined>;
  nodes: Record<NodeName, Victim>;
  /** The network the nodes' links go through. */
  net: Net;
  log: Logger;
  hangTimeoutMs: number;
  durability: Durability;
  /** The time, in ms: a test's own clock, or the real one. */
  clock?: () => number;
  /** Told of each fault as it is injected. */
  onFault?(fault: { node: NodeName; fault: ProcessFault; ms?: number }): void;
}

export class Nemesis {
  readonly #faults: Fault[] = [];
  readonly #hits = new Map<NodeName, Hit>();
  readonly #lost = new Map<NodeName, { batches: number; rows: number }>();
  readonly options: ChaosOptions;
  readonly nodes: Record<NodeName, Victim>;
  readonly net: Net;
  readonly log: Logger;
  readonly durability: Durability;
  readonly #clock: () => number;
  readonly #onFault: NonNullable<NemesisParts['onFault']>;

  constructor({ options, counts, nodes, net, log, hangTimeoutMs, durability, clock = Date.now, onFault = () => {} }: NemesisParts) {
    this.#clock = clock;
    this.#onFault = onFault;
    this.options = options;
    this.nodes = nodes;
    this.net = net;
    this.log = log;
    this.durability = durability;
    const random = new Random(options.seed, 'nemesis');
    const victims = NODES.filter((node) => (counts[node] ?? 0) > 0);
    const planned: Record<ProcessFault, number> = {
      kill: options.kills,
      pause: options.pauses,
      partition: options.partitions,
      'power loss': options.powerLosses,
    };
    for (const kind of PROCESS_FAULTS) {
      for (let i = 0; i < planned[kind] && victims.length > 0; i++) {
        const node = random.pick(victims);
        const at = Math.floor((counts[node] ?? 0) * (0.05 + 0.9 * random.next()));
        this.#faults.push({ kind, node, at, ms: Math.round(250 + random.next() * (1.5 * hangTimeoutMs - 250)) });
      }
    }
    this.#faults.sort((a, b) => a.at - b.at);
  }

  /** The random pause before a node's batch at this offset. */
  delay(node: NodeName, offset: number): number {
    return new Random(this.options.seed, node, offset).int(0, this.options.maxDelayMs);
  }

  /**
   * Fires the first fault a node's progress has reached, unless the last one
   * to hit it still lasts: a killed incarnation's late acknowledgements, or a
   * paused or partitioned node's, do not spend the next fault on it.
   */
  committed(node: NodeName, offset: number): void {
    const { incarnation } = this.nodes[node];
    const hit = this.#hits.get(node);
    const now = this.#clock();
    if (incarnation === undefined || (hit !== undefined && hit.incarnation === incarnation && now < hit.until)) return;
    const fault = this.#faults.find((f) => f.node === node && f.firedAt === undefined && offset >= f.at);
    if (fault === undefined) return;
    fault.firedAt = offset;
    const target = processName(node);
    const lasting = fault.kind === 'pause' || fault.kind === 'partition';
    this.#hits.set(node, { incarnation, until: lasting ? now + fault.ms : Number.POSITIVE_INFINITY });
    logEvent(this.log, 'chaos: fault injected', { target, fault: fault.kind, committed: offset, ...(lasting ? { ms: fault.ms } : {}) });
    this.#onFault({ node, fault: fault.kind, ...(lasting ? { ms: fault.ms } : {}) });
    if (fault.kind === 'kill') this.nodes[node].kill();
    else if (fault.kind === 'pause') this.nodes[node].pause(fault.ms);
    else if (fault.kind === 'partition') this.net.partition(node, fault.ms);
    else this.nodes[node].powerLoss();
  }

  /** Batches a node had acknowledged, and lost to a power loss: they were sent again. */
  lost(node: NodeName, batches: number, rows: number): void {
    const lost = this.#lost.get(node) ?? { batches: 0, rows: 0 };
    this.#lost.set(node, { batches: lost.batches + batches, rows: lost.rows + rows });
  }

  /** How many of each kind were injected, per node: process faults, batches lost to power losses, and the network's. */
  injected(): Record<NodeName, Record<string, number>> {
    const tally = Object.fromEntries(NODES.map((node) => [node, {} as Record<string, number>])) as Record<NodeName, Record<string, number>>;
    for (const { kind, node, firedAt } of this.#faults) if (firedAt !== undefined) tally[node][kind] = (tally[node][kind] ?? 0) + 1;
    for (const node of NODES) {
      const lost = this.#lost.get(node);
      if (lost !== undefined) tally[node]['batches lost and resent'] = lost.batches;
      for (const [kind, n] of Object.entries(this.net.counts[node])) if (n > 0) tally[node][kind] = n;
    }
    return tally;
  }

  /** What was injected, a line per kind, for the summary. */
  describe(): string[] {
    const { seed, network, maxDelayMs } = this.options;
    const lines = [`chaos (seed ${seed}) injected:`];
    for (const kind of PROCESS_FAULTS) {
      const fired = this.#faults.filter((f) => f.kind === kind && f.firedAt !== undefined);
      if (fired.length === 0) continue;
      const each = fired.map(
        ({ node, firedAt, ms }) =>
          `${node} at row ${count(firedAt ?? 0)}${kind === 'pause' || kind === 'partition' ? ` for ${(ms / 1000).toFixed(1)} s` : ''}`,
      );
      lines.push(`  ${plural(fired.length, LABELS[kind])}: ${each.join(', ')}`);
    }
    if (this.durability === 'full' && this.#faults.some((f) => f.kind === 'power loss' && f.firedAt !== undefined))
      lines.push('    (under --durability full every commit is synced: a power loss loses nothing a kill would not)');
    for (const [node, { batches, rows }] of this.#lost)
      lines.push(
        `  ${node}: ${plural(batches, 'acknowledged batch', 'acknowledged batches')} (${plural(rows, 'row')}) lost to power loss and sent again`,
      );
    for (const node of NODES) {
      const { dropped, duplicated, reordered, cut } = this.net.counts[node];
      const said = [`${count(dropped)} dropped`, `${count(duplicated)} duplicated`, `${count(reordered)} reordered`];
      if (cut > 0) said.push(`${count(cut)} lost to partitions`);
      if (dropped + duplicated + reordered + cut > 0) lines.push(`  messages to and from ${node}: ${said.join(', ')}`);
    }
    if (network.latencyMs > 0) lines.push(`  latency of 0-${network.latencyMs} ms on every message`);
    if (maxDelayMs > 0) lines.push(`  pauses of 0-${maxDelayMs} ms before each batch`);
    const missed = this.#faults.filter((f) => f.firedAt === undefined);
    if (missed.length > 0)
      lines.push(`  not reached (the stream ended first): ${missed.map((f) => `${f.node} ${f.kind} at row ${count(f.at)}`).join(', ')}`);
    return lines;
  }
}

const LABELS: Record<ProcessFault, [string, string]> = {
  kill: ['SIGKILL', 'SIGKILLs'],
  pause: ['pause', 'pauses'],
  partition: ['partition', 'partitions'],
  'power loss': ['power loss', 'power losses'],
};

function plural(n: number, one: string | [string, string], many?: string): string {
  const [singular, several] = Array.isArray(one) ? one : [one, many ?? `${one}s`];
  return `${count(n)} ${n === 1 ? singular : several}`;
}

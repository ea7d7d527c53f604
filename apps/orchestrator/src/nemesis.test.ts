import { createLogger } from '@dbsim/logger';
import { describe, expect, it } from 'vitest';
import { Nemesis, type Victim } from './nemesis.js';
import { Net } from './net.js';
import type { ChaosOptions } from './options.js';

type Node = 'users' | 'products' | 'orders';

/** Nodes that record the faults they get; a kill or a power loss starts a new incarnation. */
function fakeNodes() {
  const hits: string[] = [];
  const node = (name: Node) => ({
    incarnation: 0,
    kill() {
      hits.push(`${name} kill`);
      this.incarnation++;
    },
    powerLoss() {
      hits.push(`${name} power loss`);
      this.incarnation++;
    },
    pause(ms: number) {
      hits.push(`${name} pause ${ms}`);
    },
  });
  const nodes: Record<Node, Victim> = { users: node('users'), products: node('products'), orders: node('orders') };
  return { nodes, hits };
}

const log = createLogger('orchestrator', { write: () => {} });
const counts = { users: 1000, products: 100, orders: 5000 };
const network = { drop: 0, duplicate: 0, reorder: 0, latencyMs: 0 };
const chaos = (seed: number, faults: Partial<ChaosOptions> = {}): ChaosOptions => ({
  spec: `seed=${seed}`,
  seed,
  kills: 0,
  pauses: 0,
  partitions: 0,
  powerLosses: 0,
  network,
  maxDelayMs: 20,
  ...faults,
});

/** A nemesis on a clock that moves 100 ms each time it is read, so that pauses and partitions end as the streams go. */
function nemesis(options: ChaosOptions, nodes = fakeNodes().nodes, rows: Record<Node, number> = counts) {
  const net = new Net({ seed: options.seed, faults: options.network });
  let now = 0;
  const clock = () => (now += 100);
  return new Nemesis({ options, counts: rows, nodes, net, log, hangTimeoutMs: 1000, durability: 'normal', clock });
}

/** Every node's progress, row by row in steps of 10, to the end of its stream. */
function runAll(target: Nemesis): void {
  for (let offset = 0; offset <= 5000; offset += 10)
    for (const node of ['users', 'products', 'orders'] as const) if (offset <= counts[node]) target.committed(node, offset);
}

describe('Nemesis', () => {
  it('draws the same schedule from the same seed, and another from another', () => {
    const schedule = (seed: number) => {
      const { nodes, hits } = fakeNodes();
      runAll(nemesis(chaos(seed, { kills: 5, pauses: 2, powerLosses: 2 }), nodes));
      return hits;
    };
    expect(schedule(7)).toEqual(schedule(7));
    expect(schedule(7)).not.toEqual(schedule(8));
    expect(nemesis(chaos(7)).delay('users', 300)).toBe(nemesis(chaos(7)).delay('users', 300));
  });

  it('injects every fault it plans, each kind as many times as asked, inside the streams, and counts them per node', () => {
    const { nodes, hits } = fakeNodes();
    const target = nemesis(chaos(3, { kills: 3, pauses: 2, partitions: 2, powerLosses: 2 }), nodes);
    runAll(target);
    const kinds = hits.map((hit) => hit.replace(/^\w+ /, '').replace(/ \d+$/, ''));
    expect(kinds.filter((kind) => kind === 'kill')).toHaveLength(3);
    expect(kinds.filter((kind) => kind === 'pause')).toHaveLength(2);
    expect(kinds.filter((kind) => kind === 'power loss')).toHaveLength(2);
    const injected = Object.values(target.injected());
    const total = (kind: string) => injected.reduce((sum, kinds) => sum + (kinds[kind] ?? 0), 0);
    expect([total('kill'), total('pause'), total('partition'), total('power loss')]).toEqual([3, 2, 2, 2]);
    expect(target.describe().join('\n')).not.toContain('not reached');
  });

  it('lasts a pause or a partition from a quarter second to one and a half hang timeouts', () => {
    const { nodes, hits } = fakeNodes();
    runAll(nemesis(chaos(5, { pauses: 20 }), nodes));
    const lengths = hits.map((hit) => Number(hit.split(' ').at(-1)));
    expect(lengths.length).toBeGreaterThan(0);
    for (const ms of lengths) expect(ms).toBeGreaterThanOrEqual(250);
    for (const ms of lengths) expect(ms).toBeLessThanOrEqual(1500);
  });

  it('does not spend a fault on an incarnation already killed', () => {
    const { nodes, hits } = fakeNodes();
    const target = nemesis(chaos(3, { kills: 6 }), nodes, { users: 100, products: 0, orders: 0 });
    nodes.users.kill = () => hits.push('users kill'); // dies, but is not restarted yet
    target.committed('users', 100);
    target.committed('users', 100);
    expect(hits).toEqual(['users kill']);
  });

  it('says which planned faults the streams ended before', () => {
    const target = nemesis(chaos(3, { kills: 2 }));
    expect(target.describe().join('\n')).toMatch(/not reached \(the stream ended first\): \w+ kill at row [\d,]+, \w+ kill at row/);
  });
});

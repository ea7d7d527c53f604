import { createLogger } from '@dbsim/logger';
import { describe, expect, it } from 'vitest';
import { Chaos } from './chaos.js';
import type { Cluster } from './cluster.js';

/** A cluster whose nodes count the kills they get; each kill starts a new incarnation. */
function fakeCluster() {
  const kills: string[] = [];
  const node = (name: string) => ({
    incarnation: 0,
    kill() {
      kills.push(name);
      this.incarnation++;
    },
  });
  const cluster = { nodes: { users: node('users'), products: node('products'), orders: node('orders') } };
  return { cluster: cluster as unknown as Cluster, kills };
}

const log = createLogger('orchestrator', { write: () => {} });
const counts = { users: 1000, products: 100, orders: 5000 };

describe('Chaos', () => {
  it('draws the same schedule from the same seed, and another from another', () => {
    const describe = (seed: number) => new Chaos({ seed, kills: 5, maxDelayMs: 20 }, counts, fakeCluster().cluster, log).describe();
    expect(describe(7)).toBe(describe(7));
    expect(describe(7)).not.toBe(describe(8));
    expect(new Chaos({ seed: 7, kills: 5, maxDelayMs: 20 }, counts, fakeCluster().cluster, log).delay('users', 300)).toBe(
      new Chaos({ seed: 7, kills: 5, maxDelayMs: 20 }, counts, fakeCluster().cluster, log).delay('users', 300),
    );
  });

  it('kills each node where its schedule says, one kill per incarnation, all inside the stream', () => {
    const { cluster, kills } = fakeCluster();
    const chaos = new Chaos({ seed: 3, kills: 6, maxDelayMs: 0 }, counts, cluster, log);
    const schedule = chaos.describe();
    for (let offset = 0; offset <= 5000; offset += 10)
      for (const node of ['users', 'products', 'orders'] as const) {
        if (offset <= counts[node]) chaos.committed(node, offset);
      }
    expect(kills).toHaveLength(6);
    expect(chaos.describe()).not.toContain('not reached');
    expect(schedule).toContain('(not reached)');
  });

  it('does not spend a kill on an incarnation already killed', () => {
    const { cluster, kills } = fakeCluster();
    const chaos = new Chaos({ seed: 3, kills: 6, maxDelayMs: 0 }, { users: 100, products: 0, orders: 0 }, cluster, log);
    (cluster.nodes.users as unknown as { kill(): void }).kill = () => kills.push('users'); // dies, but is not restarted yet
    chaos.committed('users', 100);
    chaos.committed('users', 100);
    expect(kills).toEqual(['users']);
  });
});

import { createLogger } from '@dbsim/logger';
import { describe, expect, it } from 'vitest';
import { Nemesis, type Victim } from './nemesis.js';

/** Nodes that count the kills they get; each kill starts a new incarnation. */
function fakeNodes() {
  const kills: string[] = [];
  const node = (name: string) => ({
    incarnation: 0,
    kill() {
      kills.push(name);
      this.incarnation++;
    },
  });
  const nodes: Record<'users' | 'products' | 'orders', Victim> = {
    users: node('users'),
    products: node('products'),
    orders: node('orders'),
  };
  return { nodes, kills };
}

const log = createLogger('orchestrator', { write: () => {} });
const counts = { users: 1000, products: 100, orders: 5000 };

describe('Nemesis', () => {
  it('draws the same schedule from the same seed, and another from another', () => {
    const describe = (seed: number) => new Nemesis({ seed, kills: 5, maxDelayMs: 20 }, counts, fakeNodes().nodes, log).describe();
    expect(describe(7)).toBe(describe(7));
    expect(describe(7)).not.toBe(describe(8));
    expect(new Nemesis({ seed: 7, kills: 5, maxDelayMs: 20 }, counts, fakeNodes().nodes, log).delay('users', 300)).toBe(
      new Nemesis({ seed: 7, kills: 5, maxDelayMs: 20 }, counts, fakeNodes().nodes, log).delay('users', 300),
    );
  });

  it('kills each node where its schedule says, one kill per incarnation, all inside the stream', () => {
    const { nodes, kills } = fakeNodes();
    const chaos = new Nemesis({ seed: 3, kills: 6, maxDelayMs: 0 }, counts, nodes, log);
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
    const { nodes, kills } = fakeNodes();
    const chaos = new Nemesis({ seed: 3, kills: 6, maxDelayMs: 0 }, { users: 100, products: 0, orders: 0 }, nodes, log);
    nodes.users.kill = () => kills.push('users'); // dies, but is not restarted yet
    chaos.committed('users', 100);
    chaos.committed('users', 100);
    expect(kills).toEqual(['users']);
  });
});

import { describe, expect, it } from 'vitest';
import { nodeEnv, orchestratorEnv } from './heap.js';

describe('malloc settings', () => {
  it('gives the orchestrator its malloc setting before the caller’s own tunables, and a node only the caller’s', () => {
    const mine = 'glibc.malloc.arena_max=2';
    const orchestrator = orchestratorEnv({ PATH: '/bin', GLIBC_TUNABLES: mine });
    expect(orchestrator).toEqual({ PATH: '/bin', GLIBC_TUNABLES: `glibc.malloc.mmap_threshold=131072:${mine}` });
    expect(nodeEnv(orchestrator)).toEqual({ PATH: '/bin', GLIBC_TUNABLES: mine });
    expect(nodeEnv(orchestratorEnv({ PATH: '/bin' }))).toEqual({ PATH: '/bin' });
  });
});

import { HEAP_FLAGS, NODE_HEAP_FLAGS, ORCHESTRATOR_HEAP_FLAGS } from '@dbsim/cli';
import { NODES, processName } from '@dbsim/protocol';
import { describe, expect, it } from 'vitest';
import { nodeExecArgv } from './launch.js';

describe('nodeExecArgv', () => {
  it("passes the orchestrator's flags on to its nodes, but not its heap's head start, then each node's own heap last", () => {
    const orchestrator = ['--cpu-prof', ...ORCHESTRATOR_HEAP_FLAGS, '--initial-heap-size=32'];
    for (const node of NODES) {
      const flags = nodeExecArgv(node, orchestrator);
      expect(flags).toEqual(['--cpu-prof', ...HEAP_FLAGS, ...NODE_HEAP_FLAGS[processName(node)]]);
      expect(flags.some((flag) => flag.startsWith('--initial-heap-size'))).toBe(false);
    }
  });
});

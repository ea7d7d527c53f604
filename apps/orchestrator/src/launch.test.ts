import { HEAP_FLAGS, NODE_HEAP_FLAGS, ORCHESTRATOR_HEAP_FLAGS } from '@dbsim/cli';
import { describe, expect, it } from 'vitest';
import { nodeExecArgv } from './launch.js';

describe('nodeExecArgv', () => {
  it("passes the orchestrator's flags on to its nodes, but not its heap's head start", () => {
    const orchestrator = ['--cpu-prof', ...ORCHESTRATOR_HEAP_FLAGS, '--initial-heap-size=64'];
    expect(nodeExecArgv(orchestrator)).toEqual(['--cpu-prof', ...HEAP_FLAGS, ...NODE_HEAP_FLAGS]);
    expect(nodeExecArgv(orchestrator).some((flag) => flag.startsWith('--initial-heap-size'))).toBe(false);
  });
});

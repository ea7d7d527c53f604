import { readFileSync } from 'node:fs';
import { HEAP_FLAGS } from '@dbsim/cli';
import { describe, expect, it } from 'vitest';

describe('heap flags', () => {
  it('are given to the orchestrator by its scripts, as they are to the nodes it forks', () => {
    const { scripts } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      scripts: Record<string, string>;
    };
    for (const name of ['start', 'simulate']) expect(scripts[name]).toBe(`node ${HEAP_FLAGS.join(' ')} dist/main.js`);
  });
});

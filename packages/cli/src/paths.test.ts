import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultDatabasesDir, repoRoot, userPath } from './paths.js';

describe('paths', () => {
  it('finds the monorepo root and its databases folder', () => {
    expect(existsSync(join(repoRoot(), 'pnpm-workspace.yaml'))).toBe(true);
    expect(defaultDatabasesDir()).toBe(join(repoRoot(), 'databases'));
  });

  it("resolves a relative path against the caller's folder", () => {
    const saved = process.env.INIT_CWD;
    process.env.INIT_CWD = '/somewhere';
    try {
      expect(userPath('runs/a')).toBe('/somewhere/runs/a');
      expect(userPath('/abs')).toBe('/abs');
    } finally {
      if (saved === undefined) delete process.env.INIT_CWD;
      else process.env.INIT_CWD = saved;
    }
  });
});

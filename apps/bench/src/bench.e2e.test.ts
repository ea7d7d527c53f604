import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('pnpm bench', () => {
  it('measures the simulation and a baseline of exactly the rows it accepted, and writes the figures', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbsim-bench-'));
    try {
      const args = ['--generate', 'users=300,products=30,orders=300', '--seed', '4', '--runs', '2', '--dir', dir];
      const { status, stdout, stderr } = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });
      expect(status, stderr).toBe(0);
      expect(stdout).toMatch(/^simulation {2}630 rows in [\d.]+ s: [\d,]+ rows\/s\nbaseline {4}\d+ accepted rows/);
      // The processes in one order, whichever node stopped first.
      expect(stdout).toMatch(
        /^CPU per row orchestrator [\d.]+ µs, users-node [\d.]+ µs, products-node [\d.]+ µs, orders-node [\d.]+ µs; total [\d.]+ µs, baseline [\d.]+ µs$/m,
      );
      expect(stdout).toMatch(
        /^peak RSS {4}orchestrator \d+ MB, users-node \d+ MB, products-node \d+ MB, orders-node \d+ MB, baseline \d+ MB$/m,
      );
      expect(stdout).not.toMatch(/^faults/m);
      expect(stdout).toMatch(/^page {8}run\.html [\d.]+ MB/m);
      expect(stdout).toMatch(/^yardstick {3}the INSERT loop alone .*: [\d,]+ rows\/s, ratio [\d.]+$/m);
      expect(existsSync(join(dir, 'simulation', 'history.ndjson'))).toBe(true);

      const figures = JSON.parse(readFileSync(join(dir, 'bench.json'), 'utf8'));
      const report = JSON.parse(readFileSync(join(dir, 'simulation', 'report.json'), 'utf8'));
      const accepted = Object.values(report.tables as Record<string, { inserted: number }>).reduce((sum, t) => sum + t.inserted, 0);
      expect(figures.settings.runs).toBe(2);
      expect(figures.simulation.rows).toBe(630);
      expect(figures.baseline.rows).toBe(accepted);
      expect(figures.ratio).toBeCloseTo(figures.simulation.rowsPerSecond / figures.baseline.rowsPerSecond);
      expect(Object.keys(figures.simulation.maxRssKb).sort()).toEqual(['orchestrator', 'orders-node', 'products-node', 'users-node']);
      expect(Object.keys(figures.simulation.cpuMs).sort()).toEqual(['orchestrator', 'orders-node', 'products-node', 'users-node']);
      expect(figures.baseline.maxRssKb).toBeGreaterThan(0);
      expect(figures.cpuMicrosPerRow.simulation).toBeGreaterThan(0);
      expect(figures.cpuMicrosPerRow.baseline).toBeGreaterThan(0);
      expect(figures.baseline.insertLoop.seconds).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('measures the simulation under faults with --chaos, a line per run and no summary of its own', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbsim-bench-'));
    try {
      const args = ['--generate', 'users=300,products=30,orders=300', '--runs', '1', '--dir', dir, '--chaos', 'seed=2,drop=0.05,kills=1'];
      const { status, stdout, stderr } = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });
      expect(status, stderr).toBe(0);
      expect(stderr.trim().split('\n')).toEqual([
        expect.stringMatching(/^bench: users=300.*, chaos seed=2,drop=0\.05,kills=1, best of 1$/),
        expect.stringMatching(/^bench: run 1 of 1: simulation [\d.]+ s, baseline [\d.]+ s$/),
      ]);
      expect(stdout).toMatch(/^simulation {2}630 rows/);
      expect(stdout).toMatch(/^faults {6}.*\bkill 1\b.* \(the outcome matched an undisturbed run's\)$/m);
      expect(JSON.parse(readFileSync(join(dir, 'bench.json'), 'utf8')).settings.chaos).toBe('seed=2,drop=0.05,kills=1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('measures the simulation without its history with --no-history', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbsim-bench-'));
    try {
      const args = ['--generate', 'users=300,products=30,orders=300', '--runs', '1', '--dir', dir, '--no-history'];
      const { status, stderr } = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });
      expect(status, stderr).toBe(0);
      expect(stderr).toMatch(/^bench: users=300.*, no history, best of 1$/m);
      expect(existsSync(join(dir, 'simulation', 'history.ndjson'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses a data set it cannot make, or one of no rows, and a fault it does not know, each with one line as a usage error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbsim-bench-'));
    const bench = (...args: string[]) => spawnSync(process.execPath, [MAIN, '--runs', '1', '--dir', dir, ...args], { encoding: 'utf8' });
    try {
      for (const [sizes, said] of [
        ['users=abc', 'bench: --generate users=abc: a count of rows is a whole number, 0 or more'],
        ['users=0,products=0,orders=0', 'bench: --generate users=0,products=0,orders=0 makes no rows: there would be nothing to measure'],
      ]) {
        const { status, stderr } = bench('--generate', sizes as string);
        expect(status).toBe(2);
        expect(stderr.trim().split('\n')).toEqual([said]);
      }
      const { status, stderr } = bench('--generate', 'users=30,products=3,orders=30', '--chaos', 'seed=11,kils=2');
      expect(status).toBe(2);
      expect(stderr.trim().split('\n').at(-1)).toMatch(/^bench: simulate: .*'seed=11,kils=2'.*did you mean kills\?/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('refuses a run count that is not a positive integer with one line', () => {
    const { status, stderr } = spawnSync(process.execPath, [MAIN, '--runs', '0'], { encoding: 'utf8' });
    expect(status).toBe(2);
    expect(stderr.trim().split('\n')).toEqual(["bench: option '--runs <n>' argument '0' is invalid. It takes a whole number, 1 or more."]);
  });
});

import { existsSync, readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, type Outcome, outcome, query, simulate, start, TABLES, tempDir } from './test-run.js';

/** Chaos schedules per `pnpm test`; `pnpm test:chaos` raises it. */
const CHAOS_RUNS = Number(process.env.CHAOS_RUNS ?? 2);

// A few thousand rows per table in batches of 100: dozens of commits per node for faults to land in.
const DATA = ['--generate', 'users=3000,products=500,orders=5000', '--seed', '11', '--batch-size', '100'];
const SLOW = ['--delay', 'users=40,products=40,orders=40'];

const dirs: string[] = [];
function dir(): string {
  const made = tempDir();
  dirs.push(made);
  return made;
}

let undisturbed: Outcome;
beforeAll(async () => {
  const calm = dir();
  const { code, stderr } = await simulate([...DATA, '--dir', calm]);
  expect(code, stderr).toBe(0);
  undisturbed = outcome(calm);
  expect(undisturbed.rows.orders?.length).toBeGreaterThan(1000);
}, 60_000);
afterAll(() => {
  for (const made of dirs) rmSync(made, { recursive: true, force: true });
});

const pids = (stdout: string) =>
  jsonLines(stdout)
    .filter((line) => line.msg === 'node started')
    .map((line) => line.pid as number);
/** Running, that is: an orphan that has exited stays a zombie until init reaps it, which some inits do lazily. */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
  return stat.split(') ')[1]?.[0] !== 'Z';
};

/** A killed writer leaves each batch wholly applied or not at all: its rows, rejections, held-back rows and high-water mark agree. */
function expectAllOrNothing(run: string): void {
  for (const table of TABLES) {
    expect(query(run, table, 'pragma integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    const [{ mark, received, held }] = query<{ mark: number; received: number; held: number }>(
      run,
      table,
      `select (select coalesce(sum("offset"), 0) from _deliveries) as mark, (select coalesce(sum(count), 0) from _batches) as received,
              (select count(*) from ${table}) + (select count(*) from rejections) + (select count(*) from _deferred) as held`,
    ) as [{ mark: number; received: number; held: number }];
    expect({ received, held }).toEqual({ received: mark, held: mark });
  }
}

describe('faults', () => {
  test.prop([fc.integer({ min: 1, max: 1_000_000 })], { numRuns: CHAOS_RUNS, endOnFailure: true })(
    'random SIGKILLs of the nodes mid-run leave the databases, report and rejection log of an undisturbed run',
    async (seed) => {
      const run = dir();
      const { code, stdout, stderr } = await simulate([...DATA, '--dir', run, '--chaos', `seed=${seed},kills=4`]);
      expect(code, stderr).toBe(0);
      const kills = jsonLines(stdout).filter((line) => line.msg === 'chaos: killing node with SIGKILL');
      expect(kills.length).toBeGreaterThanOrEqual(2);
      expect(jsonLines(stdout).filter((line) => line.msg === 'node died: restarting')).toHaveLength(kills.length);
      expect(stderr).toContain('chaos: outcome matches an undisturbed run');
      expect(outcome(run)).toEqual(undisturbed);
    },
    30_000 + CHAOS_RUNS * 40_000,
  );

  it('resumes a run interrupted with SIGINT to the state of an uninterrupted one', async () => {
    const run = dir();
    const first = start([...DATA, ...SLOW, '--dir', run]);
    await first.output(/"name":"users-node".*"msg":"row rejected"/);
    first.child.kill('SIGINT');
    const interrupted = await first.finished;
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toMatch(
      /interrupted; rows committed: users [\d,]+ of 3,000, products [\d,]+ of 500, orders [\d,]+ of 5,000\. Continue with --resume/,
    );
    expect(jsonLines(interrupted.stdout).filter((line) => line.msg === 'node stopped')).toHaveLength(3);
    expectAllOrNothing(run);

    const resumed = await simulate(['--dir', run, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(outcome(run)).toEqual(undisturbed);
  }, 60_000);

  it('stops the nodes within about a second when the orchestrator is SIGKILLed, each batch applied wholly or not at all', async () => {
    const run = dir();
    const orchestrator = start([...DATA, ...SLOW, '--dir', run]);
    await orchestrator.output(/"msg":"row rejected"/);
    const nodes = pids(orchestrator.stdout());
    expect(nodes).toHaveLength(3);
    orchestrator.child.kill('SIGKILL');
    const killedAt = Date.now();
    while (nodes.some(alive) && Date.now() - killedAt < 5000) await sleep(20);
    expect(nodes.filter(alive)).toEqual([]);
    expect(Date.now() - killedAt).toBeLessThan(1000);
    expectAllOrNothing(run);
  }, 60_000);

  it('kills and restarts a node that stops answering, with the same outcome', async () => {
    const run = dir();
    const orchestrator = start([...DATA, ...SLOW, '--dir', run, '--hang-timeout', '1000']);
    const started = await orchestrator.output(/"name":"users-node".*"msg":"node started"/);
    await orchestrator.output(/"name":"users-node".*"msg":"row rejected"/);
    process.kill(JSON.parse(started).pid, 'SIGSTOP');
    const { code, stdout, stderr } = await orchestrator.finished;
    expect(code, stderr).toBe(0);
    expect(jsonLines(stdout)).toContainEqual(expect.objectContaining({ msg: 'node hung: killing it', target: 'users-node' }));
    expect(outcome(run)).toEqual(undisturbed);
  }, 60_000);

  it('gives up with one clear error when a node has spent its restart budget, keeping what was committed', async () => {
    const run = dir();
    const { code, stderr } = await simulate([...DATA, '--dir', run, '--restarts', '0', '--chaos', 'seed=5,kills=1']);
    expect(code).toBe(1);
    expect(stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^simulate: (users|products|orders)-node killed by SIGKILL, and its restart budget \(--restarts 0\) is spent$/),
    ]);
    expectAllOrNothing(run);
    const committed = TABLES.map((table) => query<{ n: number }>(run, table, 'select count(*) as n from _batches')[0]?.n ?? 0);
    expect(Math.max(...committed)).toBeGreaterThan(0);
  }, 60_000);
});

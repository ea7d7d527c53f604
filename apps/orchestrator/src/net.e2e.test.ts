import { beforeAll, describe, expect, it } from 'vitest';
import { chaosRun, injectedTotal, type Outcome, outcome, undisturbedOutcome, useTempDirs } from './test-run.js';

// A few thousand rows per table in batches of 100: hundreds of messages each way for the network to lose, repeat and reorder.
const DATA = ['--generate', 'users=3000,products=500,orders=5000', '--seed', '11', '--batch-size', '100', '--hang-timeout', '1000'];

const dir = useTempDirs();

let undisturbed: Outcome;
beforeAll(async () => {
  undisturbed = await undisturbedOutcome(dir(), DATA);
}, 60_000);

/** A run under these faults ends as the undisturbed one, and each kind named was injected on every node's link. */
async function survives(chaos: string, kinds: string[]): Promise<void> {
  const run = dir();
  const result = await chaosRun([...DATA, '--dir', run, '--chaos', `${chaos},delay=0`]);
  expect(result.code, result.stderr).toBe(0);
  expect(result.stderr).toContain('chaos: outcome matches an undisturbed run');
  for (const kind of kinds) {
    for (const node of ['users', 'products', 'orders']) expect(result.injected[node]?.[kind], `${node} ${kind}`).toBeGreaterThan(0);
  }
  expect(outcome(run)).toEqual(undisturbed);
}

describe('a network that', () => {
  it('loses messages: requests and answers are sent again until answered', () => survives('seed=1,drop=0.1', ['dropped']), 60_000);

  it(
    'delivers messages twice: a repeat changes nothing and is answered once',
    () => survives('seed=2,duplicate=0.2', ['duplicated']),
    60_000,
  );

  it(
    'reorders messages: a batch that overtakes the one before it waits for it',
    () => survives('seed=3,reorder=0.3', ['reordered']),
    60_000,
  );

  it('delays every message, by up to 30 ms each', async () => {
    const run = dir();
    const result = await chaosRun([...DATA, '--dir', run, '--chaos', 'seed=4,latency=30,delay=0']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('latency of 0-30 ms on every message');
    expect(outcome(run)).toEqual(undisturbed);
  }, 60_000);

  it('partitions nodes away, some for longer than the hang timeout: they are restarted, and nothing is answered wrong', async () => {
    const run = dir();
    const result = await chaosRun([...DATA, '--dir', run, '--chaos', 'seed=5,partitions=4,delay=0']);
    expect(result.code, result.stderr).toBe(0);
    expect(injectedTotal(result, 'partition')).toBeGreaterThanOrEqual(2);
    expect(injectedTotal(result, 'cut')).toBeGreaterThan(0);
    expect(outcome(run)).toEqual(undisturbed);
  }, 60_000);

  it(
    'does all of that at once',
    () => survives('seed=6,drop=0.05,duplicate=0.05,reorder=0.1,latency=5,partitions=2', ['dropped', 'duplicated', 'reordered']),
    90_000,
  );
});

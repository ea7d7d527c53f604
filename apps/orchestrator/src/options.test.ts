import { UsageError } from '@dbsim/cli';
import { CLASSIC } from '@dbsim/datasets';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseOptions } from './options.js';

let saved: string | undefined;
beforeEach(() => {
  saved = process.env.DBSIM_CALLER_CWD;
  process.env.DBSIM_CALLER_CWD = '/home/me/work';
});
afterEach(() => {
  if (saved === undefined) delete process.env.DBSIM_CALLER_CWD;
  else process.env.DBSIM_CALLER_CWD = saved;
});

describe('parseOptions', () => {
  it('defaults to the classic data set in the repo databases folder, fresh', () => {
    const options = parseOptions([]);
    expect(options).toMatchObject({
      data: { kind: 'file', file: CLASSIC },
      keep: false,
      resume: false,
      batchSize: 5000,
      window: 4,
      delays: {},
      durability: 'full',
      chaos: undefined,
    });
    expect(options.dir).toMatch(/databases$/);
  });

  it("resolves relative paths against the caller's folder", () => {
    expect(parseOptions(['--data', 'f.json', '--dir', 'runs/a'])).toMatchObject({
      data: { kind: 'file', file: '/home/me/work/f.json' },
      dir: '/home/me/work/runs/a',
    });
  });

  it('reads delays per node', () => {
    expect(parseOptions(['--delay', 'users=50,orders=1', '--delay', 'products=0']).delays).toEqual({ users: 50, orders: 1, products: 0 });
  });

  it('reads a generated data set with its invalid rate and seed', () => {
    expect(parseOptions(['--generate', 'users=3,products=2,orders=1', '--invalid-rate', '0.5', '--seed', '9']).data).toEqual({
      kind: 'generate',
      sizes: { users: 3, products: 2, orders: 1 },
      invalidRate: 0.5,
      seed: 9,
    });
  });

  it('reads one data file per table', () => {
    expect(parseOptions(['--data', 'users=u.ndjson,products=p.csv,orders=/data/o.jsonl']).data).toEqual({
      kind: 'tables',
      files: { users: '/home/me/work/u.ndjson', products: '/home/me/work/p.csv', orders: '/data/o.jsonl' },
    });
  });

  it('reads a chaos schedule, filling in what is not given', () => {
    expect(parseOptions(['--chaos', 'seed=7,kills=5']).chaos).toEqual({ seed: 7, kills: 5, maxDelayMs: 20 });
  });

  it('on --resume without a data option leaves the data to the interrupted run', () => {
    expect(parseOptions(['--resume']).data).toBeUndefined();
  });

  it.each([
    [['--bogus']],
    [['--data', 'a.json', '--generate', 'users=1,products=1,orders=1']],
    [['--keep', '--resume']],
    [['--data', 'users=u.ndjson,orders=o.ndjson']],
    [['--chaos', 'seed=1', '--resume']],
    [['--chaos', 'seed=1,victims=2']],
    [['--generate', 'users=1,products=1,orders=1', '--invalid-rate', '2']],
    [['--durability', 'extra']],
    [['--restarts', '-1']],
    [['--batch-size', '0']],
    [['--window', 'many']],
    [['--delay', 'carts=5']],
    [['--delay', 'users']],
    [['extra']],
  ])('refuses %j with a usage error', (args) => {
    expect(() => parseOptions(args)).toThrow(UsageError);
  });
});

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
    expect(options).toMatchObject({ data: CLASSIC, keep: false, batchSize: 1000, window: 4, delays: {} });
    expect(options.dir).toMatch(/databases$/);
  });

  it("resolves relative paths against the caller's folder", () => {
    expect(parseOptions(['--data', 'f.json', '--dir', 'runs/a'])).toMatchObject({
      data: '/home/me/work/f.json',
      dir: '/home/me/work/runs/a',
    });
  });

  it('reads delays per node', () => {
    expect(parseOptions(['--delay', 'users=50,orders=1', '--delay', 'products=0']).delays).toEqual({ users: 50, orders: 1, products: 0 });
  });

  it.each([[['--bogus']], [['--batch-size', '0']], [['--window', 'many']], [['--delay', 'carts=5']], [['--delay', 'users']], [['extra']]])(
    'refuses %j with a usage error',
    (args) => {
      expect(() => parseOptions(args)).toThrow(UsageError);
    },
  );
});

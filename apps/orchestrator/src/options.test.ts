import { UsageError } from '@dbsim/cli';
import { CLASSIC } from '@dbsim/datasets';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Options, parseOptions } from './options.js';

/** Options that must parse (not --help, not --version). */
async function options(args: string[]): Promise<Options> {
  const parsed = await parseOptions(args);
  if (parsed === undefined) throw new Error('printed help or version');
  return parsed;
}

let saved: string | undefined;
beforeEach(() => {
  saved = process.env.INIT_CWD;
  process.env.INIT_CWD = '/home/me/work';
});
afterEach(() => {
  if (saved === undefined) delete process.env.INIT_CWD;
  else process.env.INIT_CWD = saved;
});

describe('parseOptions', () => {
  it('defaults to the classic data set in the repo databases folder, fresh', async () => {
    const parsed = await options([]);
    expect(parsed).toMatchObject({
      data: { kind: 'file', file: CLASSIC },
      keep: false,
      resume: false,
      batchSize: 5000,
      window: 4,
      delays: {},
      durability: 'full',
      chaos: undefined,
      history: true,
    });
    expect(parsed.dir).toMatch(/databases$/);
  });

  it("resolves relative paths against the caller's folder", async () => {
    expect(await options(['--data', 'f.json', '--dir', 'runs/a'])).toMatchObject({
      data: { kind: 'file', file: '/home/me/work/f.json' },
      dir: '/home/me/work/runs/a',
    });
  });

  it('reads delays per node', async () => {
    expect((await options(['--delay', 'users=50,orders=1', '--delay', 'products=0'])).delays).toEqual({
      users: 50,
      orders: 1,
      products: 0,
    });
  });

  it('reads a generated data set with its invalid rate and seed', async () => {
    expect((await options(['--generate', 'users=3,products=2,orders=1', '--invalid-rate', '0.5', '--seed', '9'])).data).toEqual({
      kind: 'generate',
      sizes: { users: 3, products: 2, orders: 1 },
      invalidRate: 0.5,
      seed: 9,
    });
  });

  it('reads one data file per table', async () => {
    expect((await options(['--data', 'users=u.ndjson,products=p.csv,orders=/data/o.jsonl'])).data).toEqual({
      kind: 'tables',
      files: { users: '/home/me/work/u.ndjson', products: '/home/me/work/p.csv', orders: '/data/o.jsonl' },
    });
  });

  it('reads a chaos schedule: a kind not given is not injected, and batches get pauses of up to 20 ms', async () => {
    expect((await options(['--chaos', 'seed=7,kills=5'])).chaos).toEqual({
      spec: 'seed=7,kills=5',
      seed: 7,
      kills: 5,
      pauses: 0,
      partitions: 0,
      powerLosses: 0,
      network: { drop: 0, duplicate: 0, reorder: 0, latencyMs: 0 },
      maxDelayMs: 20,
    });
    const every = 'seed=11,kills=2,pauses=1,partitions=2,powerloss=3,drop=0.02,duplicate=0.02,reorder=0.05,latency=5,delay=0';
    expect((await options(['--chaos', every])).chaos).toEqual({
      spec: every,
      seed: 11,
      kills: 2,
      pauses: 1,
      partitions: 2,
      powerLosses: 3,
      network: { drop: 0.02, duplicate: 0.02, reorder: 0.05, latencyMs: 5 },
      maxDelayMs: 0,
    });
  });

  it('on --resume without a data option leaves the data to the interrupted run', async () => {
    expect((await options(['--resume'])).data).toBeUndefined();
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
  ])('refuses %j with a usage error', async (args) => {
    await expect(parseOptions(args)).rejects.toThrow(UsageError);
  });

  it.each([
    [['--dri', 'x'], "unknown option '--dri' (did you mean --dir?)"],
    [['--seed', '4'], '--seed goes with --generate'],
    [['--invalid-rate', '0.5'], '--invalid-rate goes with --generate'],
    [
      ['--hang-timeout', '5'],
      "option '--hang-timeout <ms>' argument '5' is invalid. It takes 1000 ms or more: nodes are pinged every 1000 ms.",
    ],
    [['--delay', 'users=1,users=2'], "option '--delay <node=ms,...>' argument 'users=1,users=2' is invalid. \"users\" is given twice."],
    [['--attach', 'usres=x.sock'], 'did you mean users?'],
    [['--chaos', 'kills=2'], '--chaos needs a seed: --chaos seed=S,...'],
    [['--chaos', 'seed=1,drop=0.6'], "option '--chaos drop' argument '0.6' is invalid. It takes a number from 0 to 0.5."],
    [['--chaos', 'seed=1,latency=5000'], 'It takes a whole number from 0 to 1000.'],
    [['--chaos', 'seed=1,powerlos=1'], 'did you mean powerloss?'],
    [['--attach', 'users=u.sock,products=p.sock,orders=o.sock', '--durability', 'normal'], '--durability applies to forked nodes'],
  ])('says what is wrong with %j in one line', async (args, why) => {
    const error = await parseOptions(args).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain(why);
    expect((error as Error).message).not.toContain('\n');
  });

  it('prints its help or version and parses nothing else', async () => {
    const written: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((text: string) => written.push(text) > 0) as typeof process.stdout.write;
    try {
      expect(await parseOptions(['--help'])).toBeUndefined();
      expect(await parseOptions(['--version'])).toBeUndefined();
    } finally {
      process.stdout.write = write;
    }
    expect(written.join('')).toMatch(
      /Usage: simulate \[options\][\s\S]*Data:\n {2}--data <file>[\s\S]*\(default: 5000\)[\s\S]*^\d+\.\d+\.\d+$/m,
    );
  });
});

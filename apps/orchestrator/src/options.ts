import { parseArgs } from 'node:util';
import { defaultDatabasesDir, UsageError, userPath } from '@dbsim/cli';
import { CLASSIC, parseSizes } from '@dbsim/datasets';
import { type Address, type Durability, NodeName, parseAddress, perNode } from '@dbsim/protocol';

/** Where the rows come from: a data file, or the seeded generator. */
export type DataSpec =
  | { kind: 'file'; file: string }
  | { kind: 'tables'; files: Record<NodeName, string> }
  | { kind: 'generate'; sizes: Record<NodeName, number>; invalidRate: number; seed: number };

export interface ChaosOptions {
  seed: number;
  /** SIGKILLs to inject over the run. */
  kills: number;
  /** The longest random pause before a batch, in ms. */
  maxDelayMs: number;
}

export interface Options {
  /** Undefined on --resume without a data option: the interrupted run's own data is used. */
  data: DataSpec | undefined;
  /** Where the databases, simulate.log and report.json go. */
  dir: string;
  /** Add to the databases in dir instead of starting from empty ones. */
  keep: boolean;
  /** Continue the interrupted run in dir from each node's high-water mark. */
  resume: boolean;
  /** Rows per insert message. */
  batchSize: number;
  /** Insert messages in flight per node, unacknowledged. */
  window: number;
  /** A pause before each batch to a node, in ms: slows one stream against the others. */
  delays: Partial<Record<NodeName, number>>;
  durability: Durability;
  /** Restarts allowed per node before the run gives up. */
  restarts: number;
  hangTimeoutMs: number;
  chaos: ChaosOptions | undefined;
  /** Nodes already running, to use instead of forking them. */
  attach: Partial<Record<NodeName, Address>>;
  /** A live display on stderr, where it is a terminal. */
  progress: boolean;
}

export const USAGE = `usage: simulate [--data FILE | --data users=FILE,products=FILE,orders=FILE | --generate users=N,products=M,orders=K [--invalid-rate R] [--seed S]]
                [--dir DIR] [--keep | --resume] [--batch-size N] [--window N] [--delay NODE=MS,...]
                [--durability normal|full] [--restarts N] [--hang-timeout MS] [--chaos seed=S,kills=K[,delay=MS]]
                [--attach NODE=SOCKET|tcp://HOST:PORT,...] [--no-progress]`;

export function parseOptions(args: readonly string[]): Options {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]} (see --help)`, { cause: error });
  }
  const { values } = parsed;
  if (values.data !== undefined && values.generate !== undefined) throw new UsageError('give --data or --generate, not both');
  if (values.keep && values.resume) throw new UsageError('give --keep or --resume, not both');
  const chaos = values.chaos === undefined ? undefined : chaosOptions(values.chaos);
  if (chaos && (values.keep || values.resume))
    throw new UsageError('--chaos compares against a fresh run, so it cannot be combined with --keep or --resume');
  const attach = attached(values.attach);
  if (chaos && Object.keys(attach).length > 0) throw new UsageError('--chaos kills forked nodes; it cannot be combined with --attach');
  return {
    data: dataSpec(values, !values.resume),
    dir: values.dir === undefined ? defaultDatabasesDir() : userPath(values.dir),
    keep: values.keep,
    resume: values.resume,
    batchSize: positiveInt('--batch-size', values['batch-size']),
    window: positiveInt('--window', values.window),
    delays: delays(values.delay),
    durability: durability(values.durability),
    restarts: count('--restarts', values.restarts),
    hangTimeoutMs: positiveInt('--hang-timeout', values['hang-timeout']),
    chaos,
    attach,
    progress: !values['no-progress'],
  };
}

export function isHelp(args: readonly string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    options: {
      data: { type: 'string' },
      generate: { type: 'string' },
      'invalid-rate': { type: 'string', default: '0.05' },
      seed: { type: 'string', default: '1' },
      dir: { type: 'string' },
      keep: { type: 'boolean', default: false },
      resume: { type: 'boolean', default: false },
      'batch-size': { type: 'string', default: '5000' },
      window: { type: 'string', default: '4' },
      delay: { type: 'string', multiple: true, default: [] },
      durability: { type: 'string', default: 'full' },
      restarts: { type: 'string', default: '10' },
      'hang-timeout': { type: 'string', default: '10000' },
      chaos: { type: 'string' },
      attach: { type: 'string', multiple: true, default: [] },
      'no-progress': { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
}

type Values = ReturnType<typeof parse>['values'];

function dataSpec(values: Values, defaultToClassic: boolean): DataSpec | undefined {
  if (values.generate !== undefined) {
    const invalidRate = Number(values['invalid-rate']);
    if (!(invalidRate >= 0 && invalidRate <= 1))
      throw new UsageError(`--invalid-rate must be between 0 and 1, not ${JSON.stringify(values['invalid-rate'])}`);
    return { kind: 'generate', sizes: parseSizes(values.generate), invalidRate, seed: count('--seed', values.seed) };
  }
  if (values.data?.includes('=')) {
    const files = pairs('--data', values.data, NodeName.options);
    const missing = NodeName.options.filter((table) => files[table] === undefined);
    if (missing.length > 0) throw new UsageError(`--data with one file per table needs all three: ${missing.join(', ')} missing`);
    return { kind: 'tables', files: perNode((table) => userPath(files[table] ?? '')) };
  }
  if (values.data !== undefined) return { kind: 'file', file: userPath(values.data) };
  return defaultToClassic ? { kind: 'file', file: CLASSIC } : undefined;
}

function count(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new UsageError(`${flag} must be a whole number, not ${JSON.stringify(text)}`);
  return value;
}

function positiveInt(flag: string, text: string): number {
  const value = count(flag, text);
  if (value < 1) throw new UsageError(`${flag} must be at least 1, not ${JSON.stringify(text)}`);
  return value;
}

function durability(text: string): Durability {
  if (text !== 'normal' && text !== 'full') throw new UsageError(`--durability must be normal or full, not ${JSON.stringify(text)}`);
  return text;
}

/** `key=value,...` into a record, refusing keys outside `allowed`. */
function pairs(flag: string, spec: string, allowed: readonly string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const part of spec.split(',')) {
    const [key, value, ...rest] = part.split('=');
    if (key === undefined || value === undefined || rest.length > 0 || !allowed.includes(key)) {
      throw new UsageError(`${flag} takes ${allowed.map((k) => `${k}=…`).join(',')}, not ${JSON.stringify(part)}`);
    }
    result[key] = value;
  }
  return result;
}

function delays(specs: readonly string[]): Options['delays'] {
  const result: Options['delays'] = {};
  for (const spec of specs) {
    for (const [node, ms] of Object.entries(pairs('--delay', spec, NodeName.options))) result[node as NodeName] = count('--delay', ms);
  }
  return result;
}

function attached(specs: readonly string[]): Options['attach'] {
  const result: Options['attach'] = {};
  for (const spec of specs) {
    for (const [node, text] of Object.entries(pairs('--attach', spec, NodeName.options))) {
      try {
        result[node as NodeName] = parseAddress(text, userPath);
      } catch (error) {
        throw new UsageError(`--attach ${node}: ${(error as Error).message}`, { cause: error });
      }
    }
  }
  return result;
}

function chaosOptions(spec: string): ChaosOptions {
  const values = pairs('--chaos', spec, ['seed', 'kills', 'delay']);
  return {
    seed: count('--chaos seed', values.seed ?? '1'),
    kills: count('--chaos kills', values.kills ?? '3'),
    maxDelayMs: count('--chaos delay', values.delay ?? '20'),
  };
}

import { parseArgs } from 'node:util';
import { defaultDatabasesDir, UsageError, userPath } from '@dbsim/cli';
import { CLASSIC } from '@dbsim/datasets';
import { NodeName } from '@dbsim/protocol';

export interface Options {
  /** The data file; the classic data set by default. */
  data: string;
  /** Where the databases, simulate.log and report.json go. */
  dir: string;
  /** Add to the databases in dir instead of starting from empty ones. */
  keep: boolean;
  /** Rows per insert message. */
  batchSize: number;
  /** Insert messages in flight per node, unacknowledged. */
  window: number;
  /** A pause before each batch to a node, in ms: slows one stream against the others. */
  delays: Partial<Record<NodeName, number>>;
}

export const USAGE = 'usage: simulate [--data FILE] [--dir DIR] [--keep] [--batch-size N] [--window N] [--delay NODE=MS,...]';

export function parseOptions(args: readonly string[]): Options {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]}\n${USAGE}`);
  }
  const { values } = parsed;
  return {
    data: values.data === undefined ? CLASSIC : userPath(values.data),
    dir: values.dir === undefined ? defaultDatabasesDir() : userPath(values.dir),
    keep: values.keep,
    batchSize: positiveInt('--batch-size', values['batch-size']),
    window: positiveInt('--window', values.window),
    delays: delays(values.delay),
  };
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    options: {
      data: { type: 'string' },
      dir: { type: 'string' },
      keep: { type: 'boolean', default: false },
      'batch-size': { type: 'string', default: '1000' },
      window: { type: 'string', default: '4' },
      delay: { type: 'string', multiple: true, default: [] },
    },
    strict: true,
    allowPositionals: false,
  });
}

function positiveInt(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new UsageError(`${flag} must be a positive integer, not ${JSON.stringify(text)}`);
  return value;
}

function delays(specs: readonly string[]): Options['delays'] {
  const result: Options['delays'] = {};
  for (const spec of specs.flatMap((s) => s.split(','))) {
    const [name, ms] = spec.split('=');
    const node = NodeName.safeParse(name);
    const value = Number(ms);
    if (!node.success || ms === undefined || !Number.isFinite(value) || value < 0) {
      throw new UsageError(`--delay takes NODE=MS with NODE one of users, products, orders, not ${JSON.stringify(spec)}`);
    }
    result[node.data] = value;
  }
  return result;
}

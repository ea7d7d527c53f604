import {
  type Command,
  command,
  defaultDatabasesDir,
  given,
  InvalidArgumentError,
  Option,
  pairs,
  parse,
  port,
  positiveNumber,
  share,
  UsageError,
  userPath,
  wholeNumber,
} from '@dbsim/cli';
import { CLASSIC, type DataSpec, parseSizes } from '@dbsim/datasets';
import { type Address, DURABILITIES, type Durability, NODES, NodeName, parseAddress, perNode } from '@dbsim/protocol';
import { MAX_RATE, type NetworkFaults } from './net.js';
import { PING_MS } from './supervisor.js';

export interface ChaosOptions {
  /** The schedule as given, for the run's history and page. */
  spec: string;
  seed: number;
  /** Faults of each kind that hit a process, each at a seeded node and point of its stream. */
  kills: number;
  pauses: number;
  partitions: number;
  powerLosses: number;
  /** What the links do to each message. */
  network: NetworkFaults;
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
  /** With keep: give up the folder's interrupted run, rejecting its held-back rows as run_abandoned. */
  abandon: boolean;
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
  /** Record the run's history (DIR/history.ndjson), for DIR/run.html to draw. */
  history: boolean;
  /** Serve the run's page live on this port of localhost (0: any free one). */
  ui: number | undefined;
}

const NODE_KEYS = NodeName.options;
const CHAOS_KEYS = ['seed', 'kills', 'pauses', 'partitions', 'powerloss', 'drop', 'duplicate', 'reorder', 'latency', 'delay'] as const;
/** The longest latency a message may get: more would only make runs slow. */
const MAX_LATENCY_MS = 1000;

/** The command line of `pnpm simulate`, grouped as the README groups it. */
function program(): Command {
  const group = (heading: string, ...options: Option[]) => options.map((option) => option.helpGroup(heading));
  const options = [
    ...group(
      'Data:',
      new Option(
        '--data <file>',
        'the data file: one JSON file, or users=FILE,products=FILE,orders=FILE (NDJSON or CSV, streamed) (default: the classic data set)',
      ),
      new Option('--generate <sizes>', 'a generated data set instead: users=N,products=M,orders=K'),
      new Option('--invalid-rate <share>', 'with --generate: the share of rows made invalid, 0 to 1').argParser(share).default(0.05),
      new Option('--seed <n>', 'with --generate: the same seed gives the same rows').argParser(wholeNumber).default(1),
    ),
    ...group(
      'Where:',
      new Option('--dir <dir>', 'where the databases, simulate.log and report.json go (default: databases/)'),
      new Option('--keep', 'add to the databases in DIR instead of starting from empty ones'),
      new Option('--resume', 'continue the interrupted run in DIR, with its own data set'),
      new Option('--abandon', "with --keep: give up DIR's interrupted run; the rows it held back are rejected as run_abandoned"),
    ),
    ...group(
      'Batches:',
      new Option('--batch-size <rows>', 'rows per insert message').argParser(positiveNumber).default(5000),
      new Option('--window <n>', 'insert messages in flight per node, unacknowledged').argParser(positiveNumber).default(4),
      new Option('--delay <node=ms,...>', 'pause before each batch sent to a node, to slow one stream against the others').argParser(
        pairs(NODE_KEYS),
      ),
    ),
    ...group(
      'Nodes:',
      new Option('--durability <mode>', "SQLite's synchronous setting for the nodes").choices(DURABILITIES).default('full'),
      new Option('--restarts <n>', 'restarts allowed per node before the run gives up').argParser(wholeNumber).default(10),
      new Option('--hang-timeout <ms>', 'a node that answers nothing for this long is killed and restarted')
        .argParser(hangTimeout)
        .default(10_000),
      new Option(
        '--attach <node=address,...>',
        'use a node already running (a socket path or tcp://HOST:PORT) instead of forking one',
      ).argParser(pairs(NODE_KEYS)),
    ),
    ...group(
      'Faults:',
      new Option(
        '--chaos <seed=S,...>',
        'seeded faults (kills, pauses, partitions, powerloss: how many; drop, duplicate, reorder: rate per message; latency, delay: ms); then compare with an undisturbed run',
      ).argParser(pairs(CHAOS_KEYS)),
    ),
    ...group(
      'Display:',
      new Option('--no-progress', 'no live progress display (shown on a terminal unless CI is set)'),
      new Option(
        '--ui [port]',
        'serve the run’s page live on localhost while it goes, and after until Ctrl-C (default: a free port)',
      ).argParser(port),
      new Option('--no-history', 'record no history.ndjson (run.html then has no timeline or messages): to measure what it costs'),
    ),
  ];
  const simulate = command('simulate', 'Insert a data set into the three nodes, and explain every row they refuse.');
  for (const option of options) simulate.addOption(option);
  return simulate.addHelpText(
    'after',
    '\nExamples:\n  pnpm simulate --generate users=100000,products=10000,orders=200000 --dir runs/big\n  pnpm simulate --dir runs/big --resume',
  );
}

/** The options, or undefined when the user asked for --help or --version (printed already). */
export async function parseOptions(args: readonly string[]): Promise<Options | undefined> {
  const parsed = await parse(program(), args);
  if (parsed === undefined) return undefined;
  const values = parsed.opts();
  const refuse = (when: boolean, why: string) => {
    if (when) throw new UsageError(why);
  };
  refuse(values.data !== undefined && values.generate !== undefined, 'give --data or --generate, not both');
  for (const option of ['invalid-rate', 'seed'] as const)
    refuse(given(parsed, option) && values.generate === undefined, `--${option} goes with --generate`);
  refuse(values.keep && values.resume, 'give --keep or --resume, not both');
  refuse(values.abandon && !values.keep, '--abandon goes with --keep');
  const chaos = values.chaos === undefined ? undefined : chaosOptions(values.chaos);
  refuse(
    chaos !== undefined && (values.keep || values.resume),
    '--chaos compares against a fresh run, so it cannot be combined with --keep or --resume',
  );
  const attach = attached(values.attach ?? {});
  refuse(
    given(parsed, 'durability') && NODES.every((node) => attach[node] !== undefined),
    '--durability applies to forked nodes, and every node is attached: give it to each node where it starts',
  );
  refuse(
    chaos !== undefined && Object.keys(attach).length > 0,
    '--chaos injects faults into nodes it forks; it cannot be combined with --attach',
  );
  return {
    data: dataSpec(values, !values.resume),
    dir: values.dir === undefined ? defaultDatabasesDir() : userPath(values.dir),
    keep: values.keep === true,
    resume: values.resume === true,
    abandon: values.abandon === true,
    batchSize: values.batchSize,
    window: values.window,
    delays: perNodeNumbers('--delay', values.delay ?? {}),
    durability: values.durability,
    restarts: values.restarts,
    hangTimeoutMs: values.hangTimeout,
    chaos,
    attach,
    progress: values.progress !== false,
    history: values.history !== false,
    ui: values.ui === undefined ? undefined : values.ui === true ? 0 : values.ui,
  };
}

type Values = ReturnType<Command['opts']>;

function dataSpec(values: Values, defaultToClassic: boolean): DataSpec | undefined {
  if (values.generate !== undefined) {
    return { kind: 'generate', sizes: parseSizes(values.generate), invalidRate: values.invalidRate, seed: values.seed };
  }
  if (typeof values.data === 'string' && values.data.includes('=')) {
    const files = parseWith('--data', pairs(NODE_KEYS), values.data);
    const missing = NODES.filter((table) => files[table] === undefined);
    if (missing.length > 0) throw new UsageError(`--data with one file per table needs all three: ${missing.join(', ')} missing`);
    return { kind: 'tables', files: perNode((table) => userPath(files[table] ?? '')) };
  }
  if (values.data !== undefined) return { kind: 'file', file: userPath(values.data) };
  return defaultToClassic ? { kind: 'file', file: CLASSIC } : undefined;
}

/** A value parsed outside commander, with its errors worded as commander words them. */
function parseWith<T>(flag: string, parser: (text: string) => T, text: string): T {
  try {
    return parser(text);
  } catch (error) {
    throw new UsageError(`option '${flag}' argument '${text}' is invalid. ${(error as Error).message}`, { cause: error });
  }
}

function perNodeNumbers(flag: string, values: Partial<Record<NodeName, string>>): Partial<Record<NodeName, number>> {
  return Object.fromEntries(Object.entries(values).map(([node, text]) => [node, parseWith(flag, wholeNumber, text as string)]));
}

function attached(specs: Partial<Record<NodeName, string>>): Options['attach'] {
  const result: Options['attach'] = {};
  for (const [node, text] of Object.entries(specs) as [NodeName, string][]) {
    try {
      result[node] = parseAddress(text, userPath);
    } catch (error) {
      throw new UsageError(`--attach ${node}: ${(error as Error).message}`, { cause: error });
    }
  }
  return result;
}

/** A key not given injects nothing of its kind, but for `delay`, today's pauses before batches (20 ms at most). */
function chaosOptions(values: Partial<Record<(typeof CHAOS_KEYS)[number], string>>): ChaosOptions {
  if (values.seed === undefined) throw new UsageError('--chaos needs a seed: --chaos seed=S,...');
  const count = (key: 'kills' | 'pauses' | 'partitions' | 'powerloss') => parseWith(`--chaos ${key}`, wholeNumber, values[key] ?? '0');
  const rate = (key: 'drop' | 'duplicate' | 'reorder') => parseWith(`--chaos ${key}`, upTo(MAX_RATE), values[key] ?? '0');
  return {
    spec: Object.entries(values)
      .map(([key, value]) => `${key}=${value}`)
      .join(','),
    seed: parseWith('--chaos seed', wholeNumber, values.seed),
    kills: count('kills'),
    pauses: count('pauses'),
    partitions: count('partitions'),
    powerLosses: count('powerloss'),
    network: {
      drop: rate('drop'),
      duplicate: rate('duplicate'),
      reorder: rate('reorder'),
      latencyMs: parseWith('--chaos latency', wholeUpTo(MAX_LATENCY_MS), values.latency ?? '0'),
    },
    maxDelayMs: parseWith('--chaos delay', wholeNumber, values.delay ?? '20'),
  };
}

/** A number from 0 to `max`. */
function upTo(max: number): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (text.trim() === '' || !(value >= 0 && value <= max)) throw new InvalidArgumentError(`It takes a number from 0 to ${max}.`);
    return value;
  };
}

function wholeUpTo(max: number): (text: string) => number {
  return (text) => {
    const value = wholeNumber(text);
    if (value > max) throw new InvalidArgumentError(`It takes a whole number from 0 to ${max}.`);
    return value;
  };
}

/** Nodes are pinged every second: a shorter timeout would find every node hung between two pings. */
function hangTimeout(text: string): number {
  const ms = positiveNumber(text);
  if (ms < PING_MS) throw new InvalidArgumentError(`It takes ${PING_MS} ms or more: nodes are pinged every ${PING_MS} ms.`);
  return ms;
}

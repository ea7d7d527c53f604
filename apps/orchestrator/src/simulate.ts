import { mkdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UsageError } from '@dbsim/cli';
import { type DataSource, generate, loadDataSet, type OnMalformed, openTableFiles } from '@dbsim/datasets';
import { createLogger, type Logger, usage } from '@dbsim/logger';
import { NODES, type NodeName, ORCHESTRATOR } from '@dbsim/protocol';
import { Chaos } from './chaos.js';
import { Cluster } from './cluster.js';
import { sendStream } from './dispatch.js';
import { attachNode, forkNode, type Launch } from './links.js';
import { LogSink } from './log-sink.js';
import type { DataSpec, Options } from './options.js';
import { Progress } from './progress.js';
import { type Digests, digests, formatSummary, type RunStats, writeReport } from './report.js';
import { readRunFile, runFilePath, writeRunFile } from './run-file.js';

export interface RunResult {
  run: number;
  stats: RunStats;
  /** Each database's fingerprint, when the environment asked for them. */
  digests: Digests | undefined;
  chaos: string | undefined;
}

/** The run stopped on a signal; what was committed stays, and --resume continues it. */
export class Interrupted extends Error {}

export interface RunEnvironment {
  signal: AbortSignal;
  /** Echo log lines to stdout and print the summary on stderr. */
  echo: boolean;
  /** Fingerprint every database at the end (a full scan of each): for comparing two runs. */
  fingerprint: boolean;
}

/** The files a run owns in its directory; a fresh run starts by removing them. An attached node's files are its own. */
function runFiles(dir: string, attached: Options['attach']): string[] {
  const forked = NODES.filter((node) => attached[node] === undefined);
  const databases = forked.flatMap((node) => ['', '-wal', '-shm'].map((suffix) => join(dir, `${node}.db${suffix}`)));
  return [...databases, join(dir, 'simulate.log'), join(dir, 'report.json'), runFilePath(dir)];
}

function describeData(data: DataSpec): string {
  if (data.kind === 'file') return basename(data.file);
  if (data.kind === 'tables') return NODES.map((n) => `${n}=${basename(data.files[n])}`).join(',');
  const { sizes, invalidRate, seed } = data;
  return `generated ${NODES.map((n) => `${n}=${sizes[n]}`).join(',')} (invalid rate ${invalidRate}, seed ${seed})`;
}

async function openData(data: DataSpec, onMalformed: OnMalformed): Promise<DataSource> {
  if (data.kind === 'file') return loadDataSet(data.file);
  if (data.kind === 'tables') return openTableFiles(data.files, onMalformed);
  return generate(data);
}

/**
 * One run: read the data set (an unusable file stops here, before any
 * database is touched), start the nodes, stream every table to its node at
 * once, then write the report from what the nodes committed.
 */
export async function simulate(options: Options, { signal, echo, fingerprint }: RunEnvironment): Promise<RunResult> {
  const { dir } = options;
  const previous = options.resume ? readRunFile(dir) : undefined;
  const data = options.data ?? previous?.data;
  if (data === undefined) throw new Error('no data set given');
  // A bad line of a table file is found while streaming, once the run's log exists.
  let log: Logger | undefined;
  const source = await openData(data, (where) => log?.warn(where, 'malformed line: rejected as row_malformed'));

  mkdirSync(dir, { recursive: true });
  if (!options.keep && !options.resume) for (const file of runFiles(dir, options.attach)) rmSync(file, { force: true });
  const logFile = join(dir, 'simulate.log');
  const sink = options.keep || options.resume ? await LogSink.append(logFile, echo) : new LogSink(logFile, false, echo);
  log = createLogger(ORCHESTRATOR, sink);
  const onLogLine = (line: string) => sink.write(line);
  const launches = Object.fromEntries(
    NODES.map((node) => {
      const address = options.attach[node];
      return [node, address ? attachNode(address) : forkNode(node, { dir, durability: options.durability, onLogLine })];
    }),
  ) as Record<NodeName, Launch>;
  const cluster = new Cluster(launches, { restarts: options.restarts, hangTimeoutMs: options.hangTimeoutMs, log, onLogLine }, log);
  const committed = Object.fromEntries(NODES.map((node) => [node, 0])) as Record<NodeName, number>;
  let progress: Progress | undefined;
  try {
    const hellos = await Promise.all(NODES.map((node) => cluster.nodes[node].request({ type: 'hello' })));
    if (!options.keep && !options.resume) {
      const holding = NODES.filter((node, i) => options.attach[node] && hellos[i]?.producer !== 0);
      if (holding.length > 0) {
        throw new UsageError(`attached ${holding.join(' and ')}-node already holds data: start it on an empty --dir, or run with --keep`);
      }
    }
    // Each run is a new producer: its batches are numbered from 0, apart from any earlier run's.
    const run = previous?.run ?? Math.max(...hellos.map((hello) => hello.producer)) + 1;
    if (!previous) writeRunFile(dir, { run, data });
    const from = Object.fromEntries(NODES.map((node, i) => [node, hellos[i]?.producer === run ? (hellos[i]?.offset ?? 0) : 0])) as Record<
      NodeName,
      number
    >;
    const counts = Object.fromEntries(NODES.map((node) => [node, source[node].count])) as Record<NodeName, number | undefined>;
    log.info({ run, data, dir, rows: counts, resumedFrom: previous ? from : undefined }, previous ? 'run resumed' : 'run started');
    const chaos = options.chaos && new Chaos(options.chaos, counts, cluster, log);
    progress = echo && options.progress && Progress.wanted(process.stderr) ? new Progress(process.stderr, counts, from) : undefined;

    const durations = {} as Record<NodeName, number>;
    await Promise.all(
      NODES.map(async (node) => {
        const started = performance.now();
        committed[node] = from[node];
        await sendStream(cluster.nodes[node], source[node], {
          producer: run,
          batchSize: options.batchSize,
          window: options.window,
          from: from[node],
          delay: (offset) => (options.delays[node] ?? 0) + (chaos?.delay(node, offset) ?? 0),
          onCommitted: (offset) => {
            committed[node] = offset;
            progress?.committed(node, offset);
            chaos?.committed(node, offset);
          },
          signal,
        });
        durations[node] = performance.now() - started;
      }),
    );

    progress?.stop();
    const stats = await writeReport(join(dir, 'report.json'), cluster, run);
    const fingerprints = fingerprint ? await digests(cluster) : undefined;
    const restarts = Object.fromEntries(NODES.map((node) => [node, cluster.nodes[node].restarts])) as Record<NodeName, number>;
    const durationsMs = Object.fromEntries(NODES.map((node) => [node, Math.round(durations[node] ?? 0)]));
    log.info({ run, tables: stats, restarts, durationsMs, ...usage() }, 'run finished');
    await cluster.stop();
    if (echo) {
      const lines = [`simulate: run ${run} of ${describeData(data)} in ${dir}`, formatSummary(stats, durations, restarts)];
      if (chaos) lines.push(chaos.describe());
      lines.push(`report: ${join(dir, 'report.json')}`, `log:    ${logFile}`);
      process.stderr.write(`${lines.join('\n')}\n`);
    }
    return { run, stats, digests: fingerprints, chaos: chaos?.describe() };
  } catch (error) {
    progress?.stop();
    // Whatever stopped the run, the nodes still up finish their transaction in progress and close their databases.
    await cluster.stop();
    if (!signal.aborted) throw error;
    const howFar = NODES.map((node) => `${node} ${committed[node]}${source[node].count === undefined ? '' : ` of ${source[node].count}`}`);
    log.warn({ committed }, 'run interrupted');
    throw new Interrupted(`interrupted; rows committed: ${howFar.join(', ')}. Continue with --resume --dir ${dir}`);
  } finally {
    sink.close();
  }
}

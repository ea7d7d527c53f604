import { mkdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UsageError } from '@dbsim/cli';
import { type DataSource, generate, loadDataSet, type OnMalformed, openTableFiles } from '@dbsim/datasets';
import { createLogger, type Logger, logEvent, usage } from '@dbsim/logger';
import { NODES, ORCHESTRATOR, perNode, perNodeAsync, processName } from '@dbsim/protocol';
import { startCluster } from './cluster.js';
import { sendStream } from './dispatch.js';
import { attachNode, forkNode } from './launch.js';
import { LogSink } from './log-sink.js';
import { Nemesis } from './nemesis.js';
import type { DataSpec, Options } from './options.js';
import { Progress } from './progress.js';
import { type Digests, digests, type RunStats, writeReport } from './report.js';
import { readRunFile, runFilePath, writeRunFile } from './run-file.js';
import { formatSummary } from './summary.js';

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
  const source = await openData(data, (where) => log && logEvent(log, 'malformed line: rejected as row_malformed', where));

  mkdirSync(dir, { recursive: true });
  if (!options.keep && !options.resume) for (const file of runFiles(dir, options.attach)) rmSync(file, { force: true });
  const logFile = join(dir, 'simulate.log');
  const sink = options.keep || options.resume ? await LogSink.append(logFile, echo) : new LogSink(logFile, false, echo);
  log = createLogger(ORCHESTRATOR, sink);
  const onLogLine = (line: string) => sink.write(line);
  const launches = perNode((node) => {
    const address = options.attach[node];
    return address ? attachNode(address) : forkNode(node, { dir, durability: options.durability, onLogLine });
  });
  const cluster = startCluster(launches, { restarts: options.restarts, hangTimeoutMs: options.hangTimeoutMs, log, onLogLine }, log);
  const { nodes } = cluster;
  const committed = perNode(() => 0);
  let progress: Progress | undefined;
  try {
    const hello = await perNodeAsync((node) => nodes[node].request({ type: 'hello' }));
    if (!options.keep && !options.resume) {
      const holding = NODES.filter((node) => options.attach[node] && hello[node].producer !== 0);
      if (holding.length > 0) {
        throw new UsageError(
          `attached ${holding.map(processName).join(' and ')} already holds data: start it on an empty --dir, or run with --keep`,
        );
      }
    }
    // Each run is a new producer: its batches are numbered from 0, apart from any earlier run's.
    const run = previous?.run ?? Math.max(...NODES.map((node) => hello[node].producer)) + 1;
    if (!previous) writeRunFile(dir, { run, data });
    const from = perNode((node) => (hello[node].producer === run ? hello[node].offset : 0));
    const counts = perNode((node) => source[node].count);
    if (previous) logEvent(log, 'run resumed', { run, data, dir, rows: counts, resumedFrom: from });
    else logEvent(log, 'run started', { run, data, dir, rows: counts });
    const chaos = options.chaos && new Nemesis(options.chaos, counts, nodes, log);
    progress = echo && options.progress && Progress.wanted(process.stderr) ? new Progress(process.stderr, counts, from) : undefined;

    const durations = perNode(() => 0);
    await perNodeAsync(async (node) => {
      const started = performance.now();
      committed[node] = from[node];
      await sendStream(nodes[node], source[node], {
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
    });

    progress?.stop();
    const stats = await writeReport(join(dir, 'report.json'), nodes, run);
    const fingerprints = fingerprint ? await digests(nodes) : undefined;
    const restarts = perNode((node) => nodes[node].restarts);
    const durationsMs = perNode((node) => Math.round(durations[node]));
    logEvent(log, 'run finished', { run, tables: stats, restarts, durationsMs, ...usage() });
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
    logEvent(log, 'run interrupted', { committed });
    throw new Interrupted(`interrupted; rows committed: ${howFar.join(', ')}. Continue with --resume --dir ${dir}`);
  } finally {
    sink.close();
  }
}

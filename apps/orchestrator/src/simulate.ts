import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '@dbsim/cli';
import { describeDataSet, openDataSet } from '@dbsim/datasets';
import { createLogger, type Logger, logEvent, readRejectionKey, usage } from '@dbsim/logger';
import { NODES, type NodeName, ORCHESTRATOR, perNode, perNodeAsync, processName } from '@dbsim/protocol';
import { startCluster } from './cluster.js';
import { sendStream } from './dispatch.js';
import { attachNode, forkNode } from './launch.js';
import { LogSink } from './log-sink.js';
import { Nemesis } from './nemesis.js';
import type { Options } from './options.js';
import { Progress } from './progress.js';
import { type Digests, digests, type RunStats, writeReport } from './report.js';
import { readRunFile, runFilePath, writeRunFile } from './run-file.js';
import { count, formatSummary } from './summary.js';

/** Where a node's streams stand, as its hello (or its reset) says. */
type Delivery = { producer: number; offset: number };

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
  /** Echo every log line to stdout as JSON (when stdout is not a terminal: a pipe or a file). */
  logsToStdout: boolean;
  /** Show the progress (on a terminal) and print the summary on stderr. */
  summary: boolean;
  /** Fingerprint every database at the end (a full scan of each): for comparing two runs. */
  fingerprint: boolean;
}

/**
 * One run: read the data set (an unusable file stops here), start the nodes
 * and check everything a run needs (nothing is touched until then), stream
 * every table to its node at once, then write the report from what the
 * nodes committed.
 */
export async function simulate(options: Options, { signal, logsToStdout, summary, fingerprint }: RunEnvironment): Promise<RunResult> {
  const { dir } = options;
  const fresh = !options.keep && !options.resume;
  const previous = options.resume ? readRunFile(dir) : undefined;
  const data = options.data ?? previous?.data;
  if (data === undefined) throw new Error('no data set given');
  // A bad line of a table file is found while streaming, once the run's log exists.
  let log: Logger | undefined;
  const source = await openDataSet(data, (where) => log && logEvent(log, 'malformed line: rejected as row_malformed', where));

  mkdirSync(dir, { recursive: true });
  // Until every check has passed the run's log is not opened: the nodes' first lines wait here. A fresh run's
  // folder is emptied, so what its nodes replay of the run before is not kept.
  const early: string[] = [];
  let sink: LogSink | undefined;
  const onLogLine = (line: string) => {
    if (sink !== undefined) sink.write(line);
    else if (!(fresh && readRejectionKey(line))) early.push(line);
  };
  const launches = perNode((node) => {
    const address = options.attach[node];
    return address ? attachNode(address) : forkNode(node, { dir, durability: options.durability, onLogLine });
  });
  const supervision = {
    restarts: options.restarts,
    hangTimeoutMs: options.hangTimeoutMs,
    log: createLogger(ORCHESTRATOR, { write: onLogLine }),
    onLogLine,
  };
  const cluster = startCluster(launches, supervision, supervision.log);
  const { nodes } = cluster;
  const committed = perNode(() => 0);
  let progress: Progress | undefined;
  const stopProgress = () => progress?.stop();
  signal.addEventListener('abort', stopProgress, { once: true });
  try {
    let hello: Record<NodeName, Delivery> = await perNodeAsync((node) => nodes[node].ask({ type: 'hello' }));
    if (fresh) {
      const holding = NODES.filter((node) => options.attach[node] && hello[node].producer !== 0);
      if (holding.length > 0) {
        throw new UsageError(
          `attached ${holding.map(processName).join(' and ')} already holds data: start it on an empty --dir, or run with --keep`,
        );
      }
      // Every check passed: now, and only now, the folder is made fresh.
      hello = await perNodeAsync(async (node) => (options.attach[node] ? hello[node] : nodes[node].ask({ type: 'reset' })));
      for (const file of ['report.json', runFilePath(dir)]) rmSync(join(dir, file), { force: true });
    }
    const logFile = join(dir, 'simulate.log');
    sink = fresh ? new LogSink(logFile, false, logsToStdout) : await LogSink.append(logFile, logsToStdout);
    for (const line of early.splice(0)) sink.write(line);
    log = createLogger(ORCHESTRATOR, sink);

    // Each run is a new producer: its batches are numbered from 0, apart from any earlier run's.
    const run = previous?.run ?? Math.max(...NODES.map((node) => hello[node].producer)) + 1;
    if (!previous) writeRunFile(dir, { run, data });
    const from = perNode((node) => (hello[node].producer === run ? hello[node].offset : 0));
    const counts = perNode((node) => source[node].count);
    if (previous) logEvent(log, 'run resumed', { run, data, dir, rows: counts, resumedFrom: from });
    else logEvent(log, 'run started', { run, data, dir, rows: counts });
    const chaos = options.chaos && new Nemesis(options.chaos, counts, nodes, log);
    if (summary && options.progress && Progress.wanted(process.stderr)) progress = new Progress(process.stderr, counts, from);

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

    stopProgress();
    const stats = await writeReport(join(dir, 'report.json'), nodes, run);
    const fingerprints = fingerprint ? await digests(nodes) : undefined;
    const restarts = perNode((node) => nodes[node].restarts);
    logEvent(log, 'run finished', {
      run,
      tables: stats,
      restarts,
      durationsMs: perNode((node) => Math.round(durations[node])),
      ...usage(),
    });
    await cluster.stop();
    if (summary) {
      const width = Math.min(process.stderr.columns || 100, 120);
      const lines = [`simulate: run ${run} of ${describeDataSet(data)} in ${dir}`, formatSummary(stats, durations, restarts, width)];
      if (chaos) lines.push(chaos.describe());
      lines.push(`report: ${join(dir, 'report.json')}`, `log:    ${logFile}${logsToStdout ? '' : `  (read it with: pnpm logs ${dir})`}`);
      process.stderr.write(`${lines.join('\n')}\n`);
    }
    return { run, stats, digests: fingerprints, chaos: chaos?.describe() };
  } catch (error) {
    stopProgress();
    // Whatever stopped the run, the nodes still up finish their transaction in progress and close their databases.
    await cluster.stop();
    if (!signal.aborted) throw error;
    const howFar = NODES.map(
      (node) => `${node} ${count(committed[node])}${source[node].count === undefined ? '' : ` of ${count(source[node].count)}`}`,
    );
    if (log) logEvent(log, 'run interrupted', { committed });
    throw new Interrupted(`interrupted; rows committed: ${howFar.join(', ')}. Continue with --resume --dir ${dir}`);
  } finally {
    signal.removeEventListener('abort', stopProgress);
    sink?.close();
  }
}

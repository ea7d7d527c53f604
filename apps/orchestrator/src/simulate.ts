import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { defaultDatabasesDir } from '@dbsim/cli';
import { type DataSource, type DataSpec, describeDataSet, openDataSet } from '@dbsim/datasets';
import type { Event } from '@dbsim/history';
import { createLogger, type Logger, logEvent, readRejectionKey, usage } from '@dbsim/logger';
import { NODES, type NodeName, ORCHESTRATOR, perNode, perNodeAsync, processName } from '@dbsim/protocol';
import { REPORT_FILE, RUN_PAGE_FILE } from '@dbsim/run-page';
import { startCluster } from './cluster.js';
import { sendStream } from './dispatch.js';
import { holdFolder, refuseStandaloneNodes } from './folder.js';
import { attachNode, forkNode } from './launch.js';
import { LogSink } from './log-sink.js';
import { Nemesis } from './nemesis.js';
import { Net } from './net.js';
import type { Options } from './options.js';
import { Pacer } from './pacing.js';
import { type NodeState, plan } from './preconditions.js';
import { Progress } from './progress.js';
import { RunRecord } from './record.js';
import { type Digests, digests, type RunStats, writeReport } from './report.js';
import { RUN_FILE, type RunFile, readRunFile, resumedData, writeRunFile } from './run-file.js';
import { count, fit, formatSummary } from './summary.js';
import { STALL_MS, Stalled, Watchdog } from './watchdog.js';

export interface RunResult {
  run: number;
  stats: RunStats;
  /** Each database's fingerprint, when the environment asked for them. */
  digests: Digests | undefined;
  /** Under --chaos, what was injected. */
  injected: Record<NodeName, Record<string, number>> | undefined;
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
  /** Draw DIR/run.html at the end: not for a run made only to be compared with. */
  page: boolean;
}

/**
 * One run: hold the folder, read the data set (an unusable file stops here),
 * start the nodes and check everything a run needs (nothing is touched until
 * then), stream every table to its node at once, then write the report from
 * what the nodes committed.
 */
export async function simulate(options: Options, environment: RunEnvironment): Promise<RunResult> {
  const { dir } = options;
  // A folder that exists is held before its run record is read (another run may be writing it); one that does not
  // is made, and held, only once the data set has been checked, so that a bad data file leaves no folder behind.
  let folder = existsSync(dir) ? holdFolder(dir) : undefined;
  try {
    const recorded = readRunFile(dir);
    const data = options.resume ? resumedData(dir, recorded, options.data) : options.data;
    if (data === undefined) throw new Error('no data set given'); // options give one unless resuming
    // A bad line of a table file is found while streaming, once the run's log exists.
    const logs: { log?: Logger } = {};
    const source = await openDataSet(data, (where) => logs.log && logEvent(logs.log, 'malformed line: rejected as row_malformed', where));
    folder ??= holdFolder(dir);
    await refuseStandaloneNodes(dir, options.attach);
    return await runIn(options, environment, { recorded, data, source, logs });
  } finally {
    folder?.release();
  }
}

interface Inputs {
  recorded: RunFile | undefined;
  data: DataSpec;
  source: DataSource;
  /** Where lines about the data set go, once the run's log is open. */
  logs: { log?: Logger };
}

async function runIn(
  options: Options,
  { signal, logsToStdout, summary, fingerprint, page }: RunEnvironment,
  { recorded, data, source, logs }: Inputs,
): Promise<RunResult> {
  const { dir } = options;
  let log: Logger | undefined;
  // Until every check has passed the run's log is not opened: the nodes' first lines wait here. A fresh run's
  // folder is emptied, so what its nodes replay of the run before is not kept.
  const fresh = !options.keep && !options.resume;
  const early: string[] = [];
  let sink: LogSink | undefined;
  // Nodes' lines come without their newline, the orchestrator's own (pino's) with it: LogSink.write takes both.
  const onLogLine = (line: string) => {
    if (sink !== undefined) sink.write(line);
    else if (!(fresh && readRejectionKey(line))) early.push(line);
  };
  const launches = perNode((node) => {
    const address = options.attach[node];
    return address ? attachNode(node, address) : forkNode(node, { dir, durability: options.durability, onLogLine });
  });
  const record = new RunRecord(options.history, page);
  const net = new Net(options.chaos && { seed: options.chaos.seed, faults: options.chaos.network }, record.message);
  const supervision = {
    restarts: options.restarts,
    hangTimeoutMs: options.hangTimeoutMs,
    log: createLogger(ORCHESTRATOR, { write: onLogLine }),
    onLogLine,
    net,
    lossy: options.chaos !== undefined,
    onRestart: (node: NodeName, exit: string) => record.event('restart', { node, exit }),
  };
  const cluster = startCluster(launches, supervision, supervision.log);
  const { nodes } = cluster;
  const committed = perNode(() => 0);
  /** The run's number, once known: an interrupted run reports how far it got. */
  let current: number | undefined;
  let progress: Progress | undefined;
  const stopProgress = () => progress?.stop();
  signal.addEventListener('abort', stopProgress, { once: true });
  const counts = perNode((node) => source[node].count);
  if (summary && options.progress && Progress.wanted(process.stderr))
    progress = new Progress(process.stderr, counts, 'starting the nodes…');
  try {
    let hello: Record<NodeName, NodeState> = await perNodeAsync((node) => nodes[node].ask({ type: 'hello' }));
    const planned = plan(options, recorded, hello);
    // Every check passed: now, and only now, the folder is changed.
    const logFile = join(dir, 'simulate.log');
    if (planned.kind === 'fresh') {
      hello = await perNodeAsync(async (node) => {
        const { producer, offset, sealed } = hello[node];
        return options.attach[node] ? hello[node] : nodes[node].ask({ type: 'reset', producer, offset, sealed });
      });
      for (const file of [REPORT_FILE, RUN_FILE, RUN_PAGE_FILE]) rmSync(join(dir, file), { force: true });
      sink = new LogSink(logFile, false, logsToStdout);
    } else {
      sink = await LogSink.append(logFile, logsToStdout);
    }
    record.open(dir, planned.kind === 'fresh');
    for (const line of early.splice(0)) sink.write(line);
    log = createLogger(ORCHESTRATOR, sink);
    logs.log = log;
    const abandon = planned.kind === 'keep' ? planned.abandon : undefined;
    let abandoned: string | undefined;
    if (abandon !== undefined) {
      const given = await perNodeAsync((node) => nodes[node].ask({ type: 'abandon', producer: abandon }));
      const rows = NODES.reduce((sum, node) => sum + given[node].abandoned, 0);
      logEvent(log, 'run abandoned', { run: abandon, rows });
      abandoned = `abandoned run ${abandon}: ${count(rows)} held-back ${rows === 1 ? 'row' : 'rows'} rejected as run_abandoned`;
      hello = given;
    }

    // Each run is a new producer: its batches are numbered from 0, apart from any earlier run's.
    const run = planned.kind === 'resume' ? planned.run : Math.max(...NODES.map((node) => hello[node].producer)) + 1;
    current = run;
    if (planned.kind !== 'resume') writeRunFile(dir, { run, data });
    const from = perNode((node) => (hello[node].producer === run ? hello[node].offset : 0));
    if (planned.kind === 'resume') logEvent(log, 'run resumed', { run, data, dir, rows: counts, resumedFrom: from });
    else logEvent(log, 'run started', { run, data, dir, rows: counts });
    const { hangTimeoutMs, durability, batchSize, window } = options;
    const settings = { batchSize, window, durability, hangTimeoutMs, ...(options.chaos ? { chaos: options.chaos.spec } : {}) };
    record.event('run', { run, resumed: planned.kind === 'resume', rows: perNode((node) => counts[node] ?? null), settings });
    const onFault = (fault: Event<'fault'>) => record.event('fault', fault);
    const chaos = options.chaos && new Nemesis({ options: options.chaos, counts, nodes, net, log, hangTimeoutMs, durability, onFault });
    net.start();
    progress?.begin(from);

    const durations = perNode(() => 0);
    const pacer = new Pacer(counts);
    const watchdog = new Watchdog(Math.max(STALL_MS, 10 * hangTimeoutMs));
    const streams = perNodeAsync(async (node) => {
      const started = performance.now();
      committed[node] = from[node];
      pacer.committed(node, from[node]);
      record.started(node, from[node]);
      await sendStream(nodes[node], source[node], {
        producer: run,
        batchSize: options.batchSize,
        window: options.window,
        from: from[node],
        delay: (offset) => (options.delays[node] ?? 0) + (chaos?.delay(node, offset) ?? 0),
        pace: (end, pass) => pacer.ahead(node, end, pass),
        onCommitted: (offset) => {
          watchdog.progressed();
          committed[node] = offset;
          pacer.committed(node, offset);
          record.committed(node, offset);
          progress?.committed(node, offset);
          chaos?.committed(node, offset);
        },
        onSent: (batch) => record.sent(node, batch),
        onAcknowledged: (batch, ack) => record.acknowledged(node, batch, ack),
        onLost: (to, batches, rows) => {
          logEvent(log as Logger, 'acknowledged batches lost: sending again', { target: processName(node), from: to, batches, rows });
          record.event('lost', { node, from: to, batches, rows });
          record.unsent(node);
          chaos?.lost(node, batches, rows);
        },
        signal,
      }).finally(() => pacer.ended(node));
      durations[node] = performance.now() - started;
    });
    try {
      await Promise.race([streams, watchdog.stalled()]);
    } catch (error) {
      if (error instanceof Stalled) {
        logEvent(log, 'no progress: giving up', { stalledMs: error.ms });
        const where = NODES.map(
          (node) => `${node} ${count(committed[node])}${counts[node] === undefined ? '' : ` of ${count(counts[node])}`}`,
        );
        throw new Error(`no node acknowledged a batch for ${error.ms / 1000} s (rows committed: ${where.join(', ')}): giving up`);
      }
      throw error;
    } finally {
      watchdog.stop();
    }
    if (chaos) logEvent(log, 'chaos: injected', { injected: chaos.injected() });

    progress?.note('writing the report…');
    const stats = await writeReport(join(dir, REPORT_FILE), nodes, run);
    const fingerprints = fingerprint ? await digests(nodes) : undefined;
    const restarts = perNode((node) => nodes[node].restarts);
    progress?.note('stopping the nodes…');
    await cluster.stop();
    progress?.note('drawing the run’s page…');
    const pageProblem = await record.end({ how: 'finished' });
    // Logged once the page is drawn, so that its usage is the whole run's: a short run's memory peaks drawing it.
    logEvent(log, 'run finished', {
      run,
      tables: stats,
      restarts,
      durationsMs: perNode((node) => Math.round(durations[node])),
      ...usage(),
    });
    stopProgress();
    if (summary) {
      const width = Math.min(process.stderr.columns || 100, 120);
      const readIt = dir === defaultDatabasesDir() ? 'pnpm logs' : `pnpm logs ${dir}`;
      const notes = [`simulate: run ${run} of ${describeDataSet(data)} in ${dir}`];
      if (abandoned) notes.push(abandoned);
      if (chaos) notes.push(...chaos.describe());
      notes.push(
        `report: ${join(dir, REPORT_FILE)}`,
        pageProblem === undefined ? `page:   ${join(dir, RUN_PAGE_FILE)}` : `page:   not drawn: ${pageProblem}`,
        `log:    ${logFile}${logsToStdout ? '' : `  (read it with: ${readIt})`}`,
      );
      const [title, ...after] = notes.map((note) => fit(note, width));
      process.stderr.write(`${[title, formatSummary(stats, durations, restarts, width), ...after].join('\n')}\n`);
    }
    return { run, stats, digests: fingerprints, injected: chaos?.injected() };
  } catch (error) {
    stopProgress();
    // Whatever stopped the run, the nodes still up finish their transaction in progress and close their databases.
    const stopped = await cluster.stop();
    const how = signal.aborted ? 'interrupted' : 'failed';
    // The page of a run cut short is drawn if it can be: the run's own error is the one to tell.
    await record.end({ how, ...(how === 'failed' ? { problem: (error as Error).message.split('\n')[0] } : {}) });
    if (!signal.aborted) throw error;
    // Acknowledgements still on their way when the run stopped do not count the rows the nodes committed: they say.
    for (const node of NODES) {
      const state = stopped[node];
      if (state !== undefined && state.producer === current) committed[node] = Math.max(committed[node], state.offset);
    }
    const howFar = NODES.map(
      (node) => `${node} ${count(committed[node])}${source[node].count === undefined ? '' : ` of ${count(source[node].count)}`}`,
    );
    if (log) logEvent(log, 'run interrupted', { committed });
    if (current === undefined) throw new Interrupted('interrupted before the run started: nothing to resume, run it again');
    throw new Interrupted(`interrupted; rows committed: ${howFar.join(', ')}. Continue with --resume --dir ${dir}`);
  } finally {
    signal.removeEventListener('abort', stopProgress);
    record.close();
    sink?.close();
  }
}

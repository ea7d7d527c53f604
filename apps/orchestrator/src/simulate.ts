import { mkdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadDataSet } from '@dbsim/datasets';
import { createLogger } from '@dbsim/logger';
import { NODES, type NodeName, ORCHESTRATOR } from '@dbsim/protocol';
import { Cluster } from './cluster.js';
import { sendStream } from './dispatch.js';
import { LogSink } from './log-sink.js';
import type { Options } from './options.js';
import { formatSummary, type RunStats, writeReport } from './report.js';

export interface RunResult {
  run: number;
  stats: RunStats;
}

/** The files a run owns in its directory; a fresh run starts by removing them. */
function runFiles(dir: string): string[] {
  const databases = NODES.flatMap((node) => ['', '-wal', '-shm'].map((suffix) => join(dir, `${node}.db${suffix}`)));
  return [...databases, join(dir, 'simulate.log'), join(dir, 'report.json')];
}

/**
 * One run: read the data set (an unusable file stops here, before any
 * database is touched), start the nodes, stream every table to its node at
 * once, then write the report from what the nodes committed.
 */
export async function simulate(options: Options): Promise<RunResult> {
  const data = await loadDataSet(options.data);
  const { dir } = options;
  mkdirSync(dir, { recursive: true });
  if (!options.keep) for (const file of runFiles(dir)) rmSync(file, { force: true });

  const sink = new LogSink(join(dir, 'simulate.log'), options.keep);
  const log = createLogger(ORCHESTRATOR, sink);
  const cluster = new Cluster(dir, log, (line) => sink.write(line));
  try {
    const hellos = await Promise.all(NODES.map((node) => cluster.nodes[node].request({ type: 'hello' })));
    // Each run is a new producer: its batches are numbered from 0, apart from any earlier run's.
    const run = Math.max(...hellos.map((hello) => hello.producer)) + 1;
    const rows = Object.fromEntries(NODES.map((node) => [node, data[node].length]));
    log.info({ run, data: options.data, dir, rows }, 'run started');

    const durations = {} as Record<NodeName, number>;
    await Promise.all(
      NODES.map(async (node) => {
        const started = performance.now();
        await sendStream(cluster.nodes[node], data[node], {
          producer: run,
          batchSize: options.batchSize,
          window: options.window,
          delayMs: options.delays[node] ?? 0,
        });
        durations[node] = performance.now() - started;
      }),
    );

    const stats = await writeReport(join(dir, 'report.json'), cluster, run);
    log.info({ run, tables: stats }, 'run finished');
    await cluster.shutdown();
    process.stderr.write(
      [
        `simulate: run ${run} of ${basename(options.data)} in ${dir}`,
        formatSummary(stats, durations),
        `report: ${join(dir, 'report.json')}`,
        `log:    ${join(dir, 'simulate.log')}`,
        '',
      ].join('\n'),
    );
    return { run, stats };
  } catch (error) {
    cluster.kill();
    throw error;
  } finally {
    sink.close();
  }
}

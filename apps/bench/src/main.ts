import { spawn } from 'node:child_process';
import { createReadStream, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  command,
  defaultDatabasesDir,
  HEAP_FLAGS,
  Option,
  ORCHESTRATOR_HEAP_FLAGS,
  orchestratorEnv,
  parse,
  positiveNumber,
  runMain,
  share,
  UsageError,
  userPath,
  wholeNumber,
} from '@dbsim/cli';
import { parseSizes } from '@dbsim/datasets';
import { type EventLine, readEvent, readLine } from '@dbsim/logger';
import { DURABILITIES, type Durability } from '@dbsim/protocol';
import { launchBrowser, noBrowser, openRunPage, RUN_PAGE_FILE } from '@dbsim/run-page';
import type { BaselineResult } from './baseline.js';

const ORCHESTRATOR = fileURLToPath(import.meta.resolve('@dbsim/orchestrator/main'));
const BASELINE = fileURLToPath(new URL('./baseline-main.js', import.meta.url));

interface SimulationResult {
  rows: number;
  seconds: number;
  maxRssKb: Record<string, number>;
  /** CPU time (user and system) per process over the whole run, report included. */
  cpuMs: Record<string, number>;
  /** Under --chaos, the faults injected, per node and kind. */
  injected?: EventLine<'chaos: injected'>['injected'];
}

runMain('bench', async () => {
  const program = command(
    'bench',
    'The whole simulation on a generated data set, against a baseline of raw SQLite inserts of the rows it accepted.',
  )
    .addOption(
      new Option('--generate <sizes>', 'the data set: users=N,products=M,orders=K').default('users=1000000,products=100000,orders=1000000'),
    )
    .addOption(new Option('--invalid-rate <share>', 'the share of rows made invalid, 0 to 1').argParser(share).default(0.05))
    .addOption(new Option('--seed <n>', 'the same seed gives the same rows').argParser(wholeNumber).default(1))
    .addOption(new Option('--batch-size <rows>', 'rows per insert message').argParser(positiveNumber).default(5000))
    .addOption(new Option('--window <n>', 'insert messages in flight per node').argParser(positiveNumber).default(4))
    .addOption(new Option('--durability <mode>', "SQLite's synchronous setting, for both").choices(DURABILITIES).default('full'))
    .addOption(new Option('--runs <n>', "runs of each side; each side's fastest counts").argParser(positiveNumber).default(3))
    .addOption(
      new Option(
        '--chaos <seed=S,...>',
        'run the simulation under these faults, as pnpm simulate --chaos takes them, to see what they cost',
      ),
    )
    .addOption(new Option('--no-history', 'run the simulation with --no-history, to see what recording its history costs'))
    .addOption(new Option('--dir <dir>', 'where both sides write (default: databases/bench)'))
    .addOption(new Option('--out <file>', 'where the figures go, as JSON (default: DIR/bench.json)'));
  if ((await parse(program)) === undefined) return 0;
  const values = program.opts();
  if (Object.values(parseSizes(values.generate as string)).every((rows) => rows === 0))
    throw new UsageError(`--generate ${values.generate} makes no rows: there would be nothing to measure`);
  const dir = values.dir === undefined ? join(defaultDatabasesDir(), 'bench') : userPath(values.dir);
  const out = values.out === undefined ? join(dir, 'bench.json') : userPath(values.out);
  const settings = {
    generate: values.generate as string,
    invalidRate: values.invalidRate as number,
    seed: values.seed as number,
    batchSize: values.batchSize as number,
    window: values.window as number,
    durability: values.durability as Durability,
    runs: values.runs as number,
    chaos: values.chaos as string | undefined,
    history: values.history !== false,
  };
  const [simulationDir, baselineDir] = [join(dir, 'simulation'), join(dir, 'baseline')];
  mkdirSync(baselineDir, { recursive: true });

  const chaos = `${settings.chaos === undefined ? '' : `, chaos ${settings.chaos}`}${settings.history ? '' : ', no history'}`;
  process.stderr.write(
    `bench: ${settings.generate}, invalid rate ${settings.invalidRate}, seed ${settings.seed}, batch ${settings.batchSize}, window ${settings.window}, durability ${settings.durability}${chaos}, best of ${settings.runs}\n`,
  );
  // Other work on the machine only ever slows a run down, so each side's fastest run is its truest figure.
  const simulations: SimulationResult[] = [];
  const bases: BaselineResult[] = [];
  for (let run = 1; run <= settings.runs; run++) {
    const simulated = await simulate(simulationDir, [
      ...['--generate', settings.generate, '--invalid-rate', String(settings.invalidRate), '--seed', String(settings.seed)],
      ...['--batch-size', String(settings.batchSize), '--window', String(settings.window), '--durability', settings.durability],
      ...(settings.chaos === undefined ? [] : ['--chaos', settings.chaos]),
      ...(settings.history ? [] : ['--no-history']),
    ]);
    simulations.push(simulated);
    const base = await runBaseline(simulationDir, baselineDir, settings.durability);
    bases.push(base);
    process.stderr.write(
      `bench: run ${run} of ${settings.runs}: simulation ${simulated.seconds.toFixed(2)} s, baseline ${base.seconds.toFixed(2)} s\n`,
    );
  }
  const fastest = <T extends { seconds: number }>(results: T[]) => results.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  // Memory, unlike time, is reported at its worst over the runs.
  const simulation = { ...fastest(simulations), maxRssKb: peaks(simulations.map((s) => s.maxRssKb)) };
  const base = { ...fastest(bases), maxRssKb: Math.max(...bases.map((b) => b.maxRssKb)) };

  const totalCpuMs = Object.values(simulation.cpuMs).reduce((a, b) => a + b, 0);
  const page = await describePage(join(simulationDir, RUN_PAGE_FILE));
  const ratio = simulation.rows / simulation.seconds / (base.rows / base.seconds);
  const mb = (kb: number) => `${Math.round(kb / 1024)} MB`;
  const perSecond = (rows: number, seconds: number) => Math.round(rows / seconds).toLocaleString('en-US');
  const rss = { ...simulation.maxRssKb, baseline: base.maxRssKb };
  process.stdout.write(
    [
      `simulation  ${simulation.rows.toLocaleString('en-US')} rows in ${simulation.seconds.toFixed(2)} s: ${perSecond(simulation.rows, simulation.seconds)} rows/s`,
      `baseline    ${base.rows.toLocaleString('en-US')} accepted rows in ${base.seconds.toFixed(2)} s: ${perSecond(base.rows, base.seconds)} rows/s`,
      `ratio       ${ratio.toFixed(2)}`,
      `yardstick   the INSERT loop alone (10,000-row transactions, synchronous=NORMAL, no reading): ${perSecond(base.rows, base.insertLoop.seconds)} rows/s, ratio ${(simulation.rows / simulation.seconds / (base.rows / base.insertLoop.seconds)).toFixed(2)}`,
      `peak RSS    ${inOrder(rss)
        .map(([process, kb]) => `${process} ${mb(kb)}`)
        .join(', ')}`,
      `CPU time    ${inOrder(simulation.cpuMs)
        .map(([process, ms]) => `${process} ${(ms / 1000).toFixed(1)} s`)
        .join(', ')}`,
      `CPU per row ${inOrder(simulation.cpuMs)
        .map(([process, ms]) => `${process} ${microsPerRow(ms, simulation.rows)}`)
        .join(', ')}; total ${microsPerRow(totalCpuMs, simulation.rows)}, baseline ${microsPerRow(base.cpuMs, base.rows)}`,
      ...(simulation.injected === undefined ? [] : [`faults      ${describeFaults(simulation.injected)}`]),
      `page        ${page}`,
      `figures:    ${out}`,
      '',
    ].join('\n'),
  );
  const figures = {
    settings,
    simulation: { ...simulation, rowsPerSecond: simulation.rows / simulation.seconds },
    baseline: { ...base, rowsPerSecond: base.rows / base.seconds },
    ratio,
    cpuMicrosPerRow: { simulation: (totalCpuMs * 1000) / simulation.rows, baseline: (base.cpuMs * 1000) / base.rows },
  };
  writeFileSync(out, `${JSON.stringify(figures, null, 2)}\n`);
  return 0;
});

const microsPerRow = (ms: number, rows: number) => `${((ms * 1000) / rows).toFixed(2)} µs`;

/** What a chaos run injected, in the fastest run: the faults its time paid for. */
function describeFaults(injected: NonNullable<SimulationResult['injected']>): string {
  const nodes = Object.entries(injected)
    .map(([node, kinds]) => [node, Object.entries(kinds).map(([kind, n]) => `${kind} ${n}`)] as const)
    .filter(([, kinds]) => kinds.length > 0)
    .map(([node, kinds]) => `${node}: ${kinds.join(', ')}`);
  // Latency and pauses before batches touch every message or batch: the nemesis does not count them.
  return `${nodes.join('; ') || 'none counted (latency and delays are not)'} (the outcome matched an undisturbed run's)`;
}

/** The processes in one order on every run (the nodes stop in any order), so that two runs read side by side. */
const ORDER = ['orchestrator', 'users-node', 'products-node', 'orders-node', 'baseline'];
const inOrder = (figures: Record<string, number>) => Object.entries(figures).sort(([a], [b]) => ORDER.indexOf(a) - ORDER.indexOf(b));

/** The last run's page: its size, and how long a browser takes to draw it, where one can be driven. */
async function describePage(file: string): Promise<string> {
  const size = statSync(file, { throwIfNoEntry: false })?.size;
  if (size === undefined) return 'no run.html';
  const mb = `run.html ${(size / 1024 / 1024).toFixed(2)} MB`;
  if (noBrowser()) return `${mb} (${noBrowser()}: not rendered)`;
  const browser = await launchBrowser();
  try {
    const { renderMs, errors } = await openRunPage(browser, file);
    return `${mb}, rendered in ${(renderMs / 1000).toFixed(2)} s${errors.length > 0 ? ` with errors: ${errors.join('; ')}` : ''}`;
  } finally {
    await browser.close();
  }
}

function peaks(all: Record<string, number>[]): Record<string, number> {
  const peak: Record<string, number> = {};
  for (const kbs of all) for (const [process, kb] of Object.entries(kbs)) peak[process] = Math.max(peak[process] ?? 0, kb);
  return peak;
}

/**
 * Runs the real simulation, then reads the figures from its log. Its stdout
 * goes nowhere: reading every log line as it streams would take CPU from the
 * run being measured. Its summary is the bench's to give; what it says on
 * stderr is shown only if it fails.
 */
async function simulate(dir: string, args: string[]): Promise<SimulationResult> {
  const child = spawn(process.execPath, [...ORCHESTRATOR_HEAP_FLAGS, ORCHESTRATOR, '--dir', dir, '--no-progress', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: orchestratorEnv({ ...process.env, LOG_LEVEL: 'info' }),
  });
  let said = '';
  child.stderr.on('data', (chunk: Buffer) => {
    said = `${said}${chunk}`.slice(-4096);
  });
  const code = await new Promise((resolve) => child.on('close', resolve));
  const lastWords = said.trim().split('\n').at(-1) ?? '';
  // The simulation refused an option the bench passed on as given (--chaos): the user's usage error.
  if (code === 2) throw new UsageError(lastWords);
  if (code !== 0) throw new Error(`the simulation failed (exit code ${code}): ${lastWords}`);
  const maxRssKb: Record<string, number> = {};
  const cpuMs: Record<string, number> = {};
  let finished: EventLine<'run finished'> | undefined;
  let injected: SimulationResult['injected'];
  for await (const text of createInterface({ input: createReadStream(join(dir, 'simulate.log')) })) {
    const line = readLine(text);
    const stopped = readEvent(line, 'node stopped');
    if (stopped !== undefined) {
      maxRssKb[stopped.name] = Math.max(maxRssKb[stopped.name] ?? 0, stopped.maxRssKb);
      cpuMs[stopped.name] = (cpuMs[stopped.name] ?? 0) + stopped.cpuMs;
    }
    finished = readEvent(line, 'run finished') ?? finished;
    injected = readEvent(line, 'chaos: injected')?.injected ?? injected;
  }
  if (finished === undefined) throw new Error(`the simulation did not log "run finished" in ${dir}`);
  return {
    rows: Object.values(finished.tables).reduce((sum, table) => sum + table.received, 0),
    seconds: Math.max(...Object.values(finished.durationsMs)) / 1000,
    maxRssKb: { orchestrator: finished.maxRssKb, ...maxRssKb },
    cpuMs: { orchestrator: finished.cpuMs, ...cpuMs },
    ...(injected === undefined ? {} : { injected }),
  };
}

function runBaseline(from: string, to: string, durability: string): Promise<BaselineResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...HEAP_FLAGS, BASELINE, from, to, durability], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(output)) : reject(new Error(`the baseline failed (exit code ${code})`))));
  });
}

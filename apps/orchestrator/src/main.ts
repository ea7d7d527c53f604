import { runMain } from '@dbsim/cli';
import { perNode } from '@dbsim/protocol';
import { type ServedPage, serveRunPage } from '@dbsim/run-page';
import { checkAgainstUndisturbedRun } from './checker.js';
import { type Options, parseOptions } from './options.js';
import { recordComparison } from './record.js';
import { Interrupted, simulate } from './simulate.js';

runMain('simulate', async () => {
  const options = await parseOptions(process.argv.slice(2));
  if (options === undefined) return 0; // --help or --version
  const controller = new AbortController();
  /** Once the run is over, Ctrl-C only stops serving its page. */
  let over = false;
  const stop = () => {
    // A second Ctrl-C does not wait for the nodes to finish.
    if (controller.signal.aborted) process.exit(130);
    controller.abort(); // the progress display erases itself first
    if (!over) process.stderr.write('simulate: stopping: the nodes finish their transactions and close their databases\n');
  };
  process.on('SIGINT', stop).on('SIGTERM', stop);
  const page = options.ui === undefined ? undefined : await servePage(options.dir, options.ui);
  try {
    // On a terminal, the log lines go to DIR/simulate.log only; piped or redirected, they go to stdout as well.
    const logsToStdout = process.stdout.isTTY !== true;
    const result = await simulate(options, {
      signal: controller.signal,
      logsToStdout,
      summary: true,
      fingerprint: options.chaos !== undefined,
      page: true,
    });
    const code = options.chaos ? await compare(options, result, controller.signal) : 0;
    over = true;
    if (page && !controller.signal.aborted) {
      process.stderr.write(`simulate: the run's page stays at ${page.url} until Ctrl-C\n`);
      await new Promise((resolve) => controller.signal.addEventListener('abort', resolve));
    }
    return code;
  } catch (error) {
    if (!(error instanceof Interrupted)) throw error;
    process.stderr.write(`simulate: ${error.message}\n`);
    return 130;
  } finally {
    await page?.close();
  }
});

/** Under --chaos: the run against an undisturbed one, recorded in its history and page; 1 when they differ. */
async function compare(options: Options, result: Awaited<ReturnType<typeof simulate>>, signal: AbortSignal): Promise<number> {
  const differs = await checkAgainstUndisturbedRun(options, result, signal);
  if (options.history) await recordComparison(options.dir, result.injected ?? perNode(() => ({})), differs);
  return differs.length === 0 ? 0 : 1;
}

/** --ui: the run's page, served from its folder as the run writes it. */
async function servePage(dir: string, port: number): Promise<ServedPage> {
  const page = await serveRunPage(dir, port);
  process.stderr.write(`simulate: watch the run live at ${page.url}\n`);
  return page;
}

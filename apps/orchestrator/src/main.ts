import { runMain } from '@dbsim/cli';
import { checkAgainstUndisturbedRun } from './checker.js';
import { parseOptions } from './options.js';
import { Interrupted, simulate } from './simulate.js';

runMain('simulate', async () => {
  const options = await parseOptions(process.argv.slice(2));
  if (options === undefined) return 0; // --help or --version
  const controller = new AbortController();
  const stop = () => {
    // A second Ctrl-C does not wait for the nodes to finish.
    if (controller.signal.aborted) process.exit(130);
    controller.abort(); // the progress display erases itself first
    process.stderr.write('simulate: stopping: the nodes finish their transactions and close their databases\n');
  };
  process.on('SIGINT', stop).on('SIGTERM', stop);
  try {
    // On a terminal, the log lines go to DIR/simulate.log only; piped or redirected, they go to stdout as well.
    const logsToStdout = process.stdout.isTTY !== true;
    const result = await simulate(options, {
      signal: controller.signal,
      logsToStdout,
      summary: true,
      fingerprint: options.chaos !== undefined,
    });
    return options.chaos ? checkAgainstUndisturbedRun(options, result, controller.signal) : 0;
  } catch (error) {
    if (!(error instanceof Interrupted)) throw error;
    process.stderr.write(`simulate: ${error.message}\n`);
    return 130;
  }
});

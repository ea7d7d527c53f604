import { runMain } from '@dbsim/cli';
import { checkAgainstUndisturbedRun } from './checker.js';
import { isHelp, parseOptions, USAGE } from './options.js';
import { Interrupted, simulate } from './simulate.js';

runMain('simulate', async () => {
  const args = process.argv.slice(2);
  if (isHelp(args)) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const options = parseOptions(args);
  const controller = new AbortController();
  const stop = () => {
    // A second Ctrl-C does not wait for the nodes to finish.
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('simulate: stopping: the nodes finish their transactions and close their databases\n');
    controller.abort();
  };
  process.on('SIGINT', stop).on('SIGTERM', stop);
  try {
    const result = await simulate(options, { signal: controller.signal, echo: true, fingerprint: options.chaos !== undefined });
    return options.chaos ? checkAgainstUndisturbedRun(options, result, controller.signal) : 0;
  } catch (error) {
    if (!(error instanceof Interrupted)) throw error;
    process.stderr.write(`simulate: ${error.message}\n`);
    return 130;
  }
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMain } from '@dbsim/cli';
import { NODES } from '@dbsim/protocol';
import { rejectionLogDigest } from './log-sink.js';
import { isHelp, type Options, parseOptions, USAGE } from './options.js';
import { Interrupted, type RunResult, simulate } from './simulate.js';

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
    return options.chaos ? verifyAgainstUndisturbedRun(options, result, controller.signal) : 0;
  } catch (error) {
    if (!(error instanceof Interrupted)) throw error;
    process.stderr.write(`simulate: ${error.message}\n`);
    return 130;
  }
});

/** Runs the same data set again, without faults, and compares databases and report. */
async function verifyAgainstUndisturbedRun(options: Options, chaotic: RunResult, signal: AbortSignal): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'dbsim-undisturbed-'));
  let keep = false;
  try {
    const calm = await simulate({ ...options, dir, chaos: undefined }, { signal, echo: false, fingerprint: true });
    const report = (d: string) => readFileSync(join(d, 'report.json'), 'utf8');
    const rejectionLog = (d: string, run: number) => rejectionLogDigest(join(d, 'simulate.log'), run);
    const what = [
      ...NODES.filter((node) => chaotic.digests?.[node].sha256 !== calm.digests?.[node].sha256).map((node) => `${node}.db`),
      ...(report(options.dir) === report(dir) ? [] : ['report.json']),
      ...((await rejectionLog(options.dir, chaotic.run)) === (await rejectionLog(dir, calm.run)) ? [] : ['rejection log']),
    ];
    if (what.length === 0) {
      process.stderr.write(
        'chaos: outcome matches an undisturbed run of the same data: databases, report.json and rejection log identical\n',
      );
      return 0;
    }
    keep = true;
    process.stderr.write(`chaos: OUTCOME DIFFERS from an undisturbed run: ${what.join(', ')} (undisturbed run kept in ${dir})\n`);
    return 1;
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NODES } from '@dbsim/protocol';
import { REPORT_FILE } from '@dbsim/run-page';
import { rejectionLogDigest } from './log-sink.js';
import type { Options } from './options.js';
import { Interrupted, type RunResult, simulate } from './simulate.js';

/**
 * Jepsen's checker, after a run under faults: the same data set is run again
 * undisturbed in a temporary folder, and the two outcomes are compared: each
 * database's fingerprint, report.json byte for byte, and the rejection log.
 * Returns what differs: nothing when they are identical.
 */
export async function checkAgainstUndisturbedRun(options: Options, chaotic: RunResult, signal: AbortSignal): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'dbsim-undisturbed-'));
  let keep = false;
  try {
    const calm = await simulate(
      { ...options, dir, chaos: undefined, history: false },
      { signal, logsToStdout: false, summary: false, fingerprint: true, page: false },
    ).catch((error: unknown) => {
      // The run under faults is whole: only the comparison was cut short, and there is nothing of it to resume.
      if (error instanceof Interrupted)
        throw new Interrupted(`interrupted while comparing with an undisturbed run; the run in ${options.dir} is complete, not compared`);
      throw error;
    });
    const report = (d: string) => readFileSync(join(d, REPORT_FILE), 'utf8');
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
      return what;
    }
    keep = true;
    process.stderr.write(`chaos: OUTCOME DIFFERS from an undisturbed run: ${what.join(', ')} (undisturbed run kept in ${dir})\n`);
    return what;
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

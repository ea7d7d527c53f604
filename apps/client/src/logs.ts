import { once } from 'node:events';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot } from '@dbsim/cli';
import { type LogLine, readLine } from '@dbsim/logger';
import { type NodeName, ORCHESTRATOR, processName, type Reason } from '@dbsim/protocol';
import { prettyFactory } from 'pino-pretty';

export interface LogFilter {
  /** Only the rejected rows. */
  rejected: boolean;
  /** Only the lines this process wrote, or that are about it. */
  node?: NodeName | typeof ORCHESTRATOR | undefined;
  table?: NodeName | undefined;
  /** Only the rejected rows with this id, as written (`8`, or `"8"` for a string). */
  id?: string | undefined;
  reason?: Reason | undefined;
  run?: number | undefined;
}

function wanted(line: LogLine, filter: LogFilter): boolean {
  const { node, table, id, reason, run } = filter;
  if ((filter.rejected || id !== undefined || reason !== undefined) && line.msg !== 'row rejected') return false;
  const name = node === ORCHESTRATOR ? node : node && processName(node);
  if (name !== undefined && line.name !== name && line.target !== name) return false;
  if (table !== undefined && line.table !== table) return false;
  if (id !== undefined && JSON.stringify(line.id) !== id && String(line.id) !== id) return false;
  if (reason !== undefined && !(Array.isArray(line.reasons) && line.reasons.includes(reason))) return false;
  return run === undefined || line.run === run;
}

/** How lines look: the repo's .pino-prettyrc, the file `pnpm exec pino-pretty` reads too. */
function prettifier(colorize: boolean): (line: string) => string {
  const options = JSON.parse(readFileSync(join(repoRoot(), '.pino-prettyrc'), 'utf8')) as Record<string, unknown>;
  return prettyFactory({ ...options, colorize });
}

/**
 * Prints DIR/simulate.log through pino-pretty, keeping the lines the filter
 * wants (colours only on a terminal), and says how many it printed. With
 * `follow`, waits for lines a run is still writing, from the start of a new
 * run if one replaces the file, until `signal` aborts.
 */
export async function printLogs(dir: string, filter: LogFilter, output: NodeJS.WriteStream, follow?: AbortSignal): Promise<number> {
  const file = join(dir, 'simulate.log');
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`${dir} is not a folder: name the run's folder`);
  if (!existsSync(file) && follow === undefined)
    throw new Error(`no simulate.log in ${dir}: run pnpm simulate first, or name the run's folder`);
  const prettify = prettifier(output.isTTY === true);
  let printed = 0;
  const print = async (text: string) => {
    const line = readLine(text);
    if (line === undefined || !wanted(line, filter)) return;
    printed++;
    if (!output.write(prettify(text))) await once(output, 'drain');
  };
  let offset = 0;
  for (;;) {
    if (existsSync(file)) {
      const size = statSync(file).size;
      if (size < offset) offset = 0; // a new run started over
      offset = await readFrom(file, offset, print);
    }
    if (follow === undefined || follow.aborted) return printed;
    await sleep(200, undefined, { signal: follow }).catch(() => {});
  }
}

/** Reads whole lines from `offset` on, and says where the first line not yet whole begins. */
async function readFrom(file: string, offset: number, each: (line: string) => Promise<void>): Promise<number> {
  let next = offset;
  let pending = '';
  // Decoded by the stream: a character cut by a chunk's end comes whole with the next.
  for await (const chunk of createReadStream(file, { start: offset, encoding: 'utf8' })) {
    const text = pending + (chunk as string);
    const lines = text.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      next += Buffer.byteLength(line) + 1;
      if (line.trim() !== '') await each(line);
    }
  }
  return next;
}

import { once } from 'node:events';
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { type LogLine, readLine } from '@dbsim/logger';
import { type NodeName, processName } from '@dbsim/protocol';
import { prettyFactory } from 'pino-pretty';

export interface LogFilter {
  /** Only the rejected rows. */
  rejected: boolean;
  /** Only the lines this node wrote, or that are about it. */
  node: NodeName | undefined;
}

function wanted(line: LogLine, { rejected, node }: LogFilter): boolean {
  if (rejected && line.msg !== 'row rejected') return false;
  return node === undefined || line.name === processName(node) || line.target === processName(node);
}

/** Streams DIR/simulate.log through pino-pretty, keeping the lines the filter wants; colours only on a terminal. */
export async function printLogs(dir: string, filter: LogFilter, output: NodeJS.WriteStream): Promise<void> {
  const file = join(dir, 'simulate.log');
  if (!existsSync(file)) throw new Error(`no simulate.log in ${dir}: run pnpm simulate first, or name the run's folder`);
  const prettify = prettyFactory({ colorize: output.isTTY === true });
  for await (const text of createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY })) {
    const line = readLine(text);
    if (line === undefined || !wanted(line, filter)) continue;
    if (!output.write(prettify(text))) await once(output, 'drain');
  }
}

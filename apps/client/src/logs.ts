import { once } from 'node:events';
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { prettyFactory } from 'pino-pretty';

export interface LogFilter {
  /** Only the rejected rows. */
  rejected: boolean;
  /** Only this node's lines. */
  node: string | undefined;
}

/** Streams DIR/simulate.log through pino-pretty, keeping the lines the filter wants; colours only on a terminal. */
export async function printLogs(dir: string, filter: LogFilter, output: NodeJS.WriteStream): Promise<void> {
  const file = join(dir, 'simulate.log');
  if (!existsSync(file)) throw new Error(`no simulate.log in ${dir}: run pnpm simulate first, or name the run's folder`);
  const prettify = prettyFactory({ colorize: output.isTTY === true });
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY })) {
    if (filter.rejected && !line.includes('"msg":"row rejected"')) continue;
    if (filter.node !== undefined && !line.includes(`"node":${JSON.stringify(filter.node)}`)) continue;
    if (!output.write(prettify(line))) await once(output, 'drain');
  }
}

#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { defaultDatabasesDir, runMain, UsageError, userPath } from '@dbsim/cli';
import { formatAddress, NodeName, nodeSocket, type Payload, payload, type ReplyTo } from '@dbsim/protocol';
import { printLogs } from './logs.js';
import { send } from './send.js';
import { open, targetAddress } from './target.js';

const USAGE = `usage: dbsim status NODE              pid, uptime, rows, rejected, high-water mark
       dbsim send NODE ROWS|FILE        insert rows (a JSON array or object, or a file of one) and print each row's fate
       dbsim lookup NODE ID[,ID...]     which of these ids the node holds now
       dbsim logs [DIR] [--rejected] [--node NODE]   pretty-print DIR/simulate.log
NODE is users, products or orders (its socket in --dir, default databases/) or an address: a socket path or tcp://HOST:PORT.
Options: --dir DIR, --json (print replies as JSON).`;

runMain('dbsim', async () => {
  const { values, positionals } = parseArgs({
    options: {
      dir: { type: 'string' },
      json: { type: 'boolean', default: false },
      rejected: { type: 'boolean', default: false },
      node: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  const [command, target, argument, ...extra] = positionals;
  if (values.help || command === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const dir = values.dir === undefined ? defaultDatabasesDir() : userPath(values.dir);
  const print = (human: string, json: unknown) => process.stdout.write(`${values.json ? JSON.stringify(json) : human}\n`);

  if (command === 'logs') {
    if (argument !== undefined) throw new UsageError('logs takes at most one folder');
    const node = values.node === undefined ? undefined : NodeName.safeParse(values.node);
    if (node?.success === false) throw new UsageError(`--node must be one of ${NodeName.options.join(', ')}`);
    await printLogs(target === undefined ? dir : userPath(target), { rejected: values.rejected, node: node?.data }, process.stdout);
    return 0;
  }
  if (!['status', 'send', 'lookup'].includes(command)) throw new UsageError(`unknown command ${JSON.stringify(command)} (see --help)`);
  if (target === undefined) throw new UsageError(`${command} needs a node: users, products, orders or an address`);
  if ((command === 'status' ? argument : extra[0]) !== undefined) throw new UsageError(`too many arguments for ${command}`);
  let address: ReturnType<typeof targetAddress>;
  try {
    address = targetAddress(target, dir, userPath);
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
  const rows = command === 'send' ? readRows(argument) : [];
  const ids = command === 'lookup' ? readIds(argument) : [];
  const channel = await open(address);
  try {
    if (command === 'status') {
      const status = payload(await channel.request(target, { type: 'status' }));
      print(formatStatus(formatAddress(address), status), status);
    } else if (command === 'lookup') {
      const { found } = await channel.request(target, { type: 'lookup', ids });
      const held = new Set(found);
      print(ids.map((id) => `${id}\t${held.has(id) ? 'found' : 'missing'}`).join('\n'), { found });
    } else {
      const outcomes = await send(channel, target, rows, (peer) => nodeSocket(dir, peer));
      const human = outcomes.map(({ position, id, reasons }) =>
        [`row ${position}`, `id ${JSON.stringify(id) ?? '-'}`, reasons.length === 0 ? 'inserted' : `rejected: ${reasons.join(', ')}`].join(
          '\t',
        ),
      );
      print(human.join('\n'), outcomes);
    }
  } finally {
    channel.close();
  }
  return 0;
});

function formatStatus(where: string, s: Payload<ReplyTo<'status'>>): string {
  const uptime =
    s.uptimeMs >= 60_000
      ? `${Math.floor(s.uptimeMs / 60_000)}m ${Math.floor((s.uptimeMs % 60_000) / 1000)}s`
      : `${(s.uptimeMs / 1000).toFixed(1)}s`;
  const mark = s.producer === 0 ? 'no batches yet' : `run ${s.producer}, offset ${s.offset}${s.sealed ? ', sealed' : ', stream open'}`;
  return [
    `${s.node}-node at ${where}`,
    `  pid         ${s.pid}`,
    `  uptime      ${uptime}`,
    `  rows        ${s.rows}`,
    `  rejected    ${s.rejected}`,
    `  high-water  ${mark}`,
  ].join('\n');
}

/** Rows given inline as JSON, or the path of a file holding them: an array of rows, or one row. */
function readRows(argument: string | undefined): unknown[] {
  if (argument === undefined) throw new UsageError('send needs rows: a JSON array or object, or a file holding one');
  const inline = /^\s*[[{]/.test(argument);
  let text = argument;
  if (!inline) {
    try {
      text = readFileSync(userPath(argument), 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read ${argument}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
        cause: error,
      });
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`${inline ? 'the rows are' : `${argument} is`} not valid JSON`);
  }
  return Array.isArray(parsed) ? parsed : [parsed];
}

function readIds(argument: string | undefined): number[] {
  const ids = (argument ?? '')
    .split(',')
    .filter((part) => part !== '')
    .map(Number);
  if (ids.length === 0 || !ids.every((id) => Number.isSafeInteger(id) && id > 0))
    throw new UsageError('lookup needs ids: positive integers, comma-separated');
  return ids;
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { closest, fsProblem, UsageError, userPath } from '@dbsim/cli';
import { type QueryResult, readOnlyQuery } from '@dbsim/node-runtime';
import { type Address, type Channel, formatAddress, NodeName, nodeSocket, type Payload, payload, type ReplyTo } from '@dbsim/protocol';
import Database from 'better-sqlite3';
import { send } from './send.js';
import { open, targetAddress } from './target.js';

/** What every command on a node takes: the folder its socket is in, JSON output, and how long to wait for an answer. */
export interface NodeOptions {
  dir: string;
  json: boolean;
  /** A node that does not answer within this many ms is given up on, in one line. */
  timeout: number;
}

const print = (json: boolean, human: string, value: unknown) => process.stdout.write(`${json ? JSON.stringify(value) : human}\n`);

/** Runs `use` on a channel to the node, closed afterwards. */
async function withNode<T>(target: string, dir: string, use: (channel: Channel, address: Address) => Promise<T>): Promise<T> {
  const address = addressOf(target, dir);
  const channel = await open(address);
  try {
    return await use(channel, address);
  } finally {
    channel.close();
  }
}

function addressOf(target: string, dir: string): Address {
  try {
    return targetAddress(target, dir, userPath);
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
}

export async function status(target: string, { dir, json, timeout }: NodeOptions): Promise<void> {
  await withNode(target, dir, async (channel, address) => {
    const reply = payload(await channel.request(target, { type: 'status' }, { deadlineMs: timeout }));
    print(json, formatStatus(formatAddress(address), reply), reply);
  });
}

export async function lookup(target: string, idList: string, { dir, json, timeout }: NodeOptions): Promise<void> {
  const ids = idList
    .split(',')
    .filter((part) => part !== '')
    .map(Number);
  if (ids.length === 0 || !ids.every((id) => Number.isSafeInteger(id) && id > 0))
    throw new UsageError('lookup needs ids: positive integers, comma-separated');
  await withNode(target, dir, async (channel) => {
    const { missing } = await channel.request(target, { type: 'lookup', ids }, { deadlineMs: timeout });
    const notHeld = new Set(missing);
    const found = [...new Set(ids)].filter((id) => !notHeld.has(id)).sort((a, b) => a - b);
    print(json, ids.map((id) => `${id}\t${notHeld.has(id) ? 'missing' : 'found'}`).join('\n'), { found });
  });
}

export async function sendRows(target: string, rowsOrFile: string, { dir, json }: NodeOptions): Promise<void> {
  const rows = readRows(rowsOrFile);
  await withNode(target, dir, async (channel) => {
    const outcomes = await send(channel, target, rows, (peer) => nodeSocket(dir, peer));
    const human = outcomes.map(({ position, id, reasons }) =>
      [`row ${position}`, `id ${JSON.stringify(id) ?? '-'}`, reasons.length === 0 ? 'inserted' : `rejected: ${reasons.join(', ')}`].join(
        '\t',
      ),
    );
    print(json, human.join('\n'), outcomes);
  });
}

/**
 * A read-only SQL query on a node's file: through the node when it runs
 * (its socket in DIR answers), from the file itself when it does not.
 */
export async function query(node: string, sql: string, { dir, json, timeout, limit }: NodeOptions & { limit: number }): Promise<void> {
  const name = NodeName.safeParse(node);
  if (!name.success) {
    const near = closest(node, NodeName.options);
    throw new UsageError(`query takes a node: ${NodeName.options.join(', ')}${near ? ` (did you mean ${near}?)` : ''}`);
  }
  let result: QueryResult;
  try {
    result = await withNode(node, dir, async (channel) =>
      payload(await channel.request(node, { type: 'query', sql, limit }, { deadlineMs: timeout })),
    );
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('no node is running at')) throw error;
    result = queryFile(join(dir, `${name.data}.db`), sql, limit);
  }
  print(json, formatTable(result), result);
}

function queryFile(file: string, sql: string, limit: number): QueryResult {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new UsageError(`cannot open ${file}: ${fsProblem(error)}`, { cause: error });
  }
  try {
    return readOnlyQuery(db, sql, limit);
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  } finally {
    db.close();
  }
}

/** Columns padded to their widest value; a note when there was more than was shown. */
function formatTable({ columns, rows, truncated }: QueryResult): string {
  const cells = [
    columns,
    ...rows.map((row) => row.map((value) => (typeof value === 'string' ? value : (JSON.stringify(value) ?? 'NULL')))),
  ];
  const widths = columns.map((_, i) => Math.max(...cells.map((row) => String(row[i] ?? '').length)));
  const lines = cells.map((row) =>
    row
      .map((cell, i) => String(cell ?? '').padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
  lines.splice(1, 0, widths.map((width) => '-'.repeat(width)).join('  '));
  if (truncated) lines.push(`(the first ${rows.length} rows; give --limit for more)`);
  return lines.join('\n');
}

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
function readRows(argument: string): unknown[] {
  const inline = /^\s*[[{]/.test(argument);
  let text = argument;
  if (!inline) {
    try {
      text = readFileSync(userPath(argument), 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read ${argument}: ${fsProblem(error)}`, { cause: error });
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

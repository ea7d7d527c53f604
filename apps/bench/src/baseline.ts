import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { type NodeApp, openDatabase } from '@dbsim/node-runtime';
import { ordersNode } from '@dbsim/orders-node';
import { productsNode } from '@dbsim/products-node';
import { type Durability, NODES, type NodeName } from '@dbsim/protocol';
import { usersNode } from '@dbsim/users-node';
import Database from 'better-sqlite3';

const APPS: Record<NodeName, NodeApp> = { users: usersNode, products: productsNode, orders: ordersNode };
const ROWS_PER_TRANSACTION = 50_000;

export interface BaselineResult {
  rows: number;
  seconds: number;
  /** CPU time of the whole copy, reading included. */
  cpuMs: number;
  maxRssKb: number;
  /** The stricter yardstick: the INSERT loop alone, reading left out. */
  insertLoop: { seconds: number };
}

/** The stricter yardstick's transactions, and its durability: what a copy needs at the least. */
const LOOP_ROWS_PER_TRANSACTION = 10_000;

/**
 * The yardstick: one process copying the rows the simulation accepted from
 * its files in `from` into fresh files in `to`, opened as a node opens its
 * own (same schema, same durability), with a prepared INSERT in large
 * transactions: no validation, no IPC, no logs.
 */
export function baseline(from: string, to: string, durability: Durability): BaselineResult {
  const { rows, ms } = copyAll(from, to, durability, ROWS_PER_TRANSACTION);
  const { userCPUTime, systemCPUTime, maxRSS } = process.resourceUsage();
  const cpuMs = Math.round((userCPUTime + systemCPUTime) / 1000);
  // Measured after the baseline's own figures: the stricter yardstick times its transactions alone.
  const loop = copyAll(from, to, 'normal', LOOP_ROWS_PER_TRANSACTION);
  return { rows, seconds: ms / 1000, maxRssKb: maxRSS, cpuMs, insertLoop: { seconds: loop.transactionsMs / 1000 } };
}

/**
 * Copies every table's rows from `from` into fresh files in `to`, opened as a
 * node opens its own, in transactions of `perTransaction` rows. Says how
 * many rows it copied, how long the copying took (reading included, opening
 * and closing the files not), and how long its transactions took.
 */
function copyAll(from: string, to: string, durability: Durability, perTransaction: number) {
  let rows = 0;
  let ms = 0;
  let transactionsMs = 0;
  for (const node of NODES) {
    const file = join(to, `${node}.db`);
    for (const suffix of ['', '-wal', '-shm', '-synced']) rmSync(`${file}${suffix}`, { force: true });
    const target = openDatabase(file, { durability, migrationsFolder: APPS[node].migrationsFolder, holder: 'the bench baseline' });
    const source = new Database(join(from, `${node}.db`), { readonly: true });
    const read = source.prepare(`select * from "${node}" order by id`).raw();
    const insert = target.sqlite.prepare(
      `insert into "${node}" values (${read
        .columns()
        .map(() => '?')
        .join(', ')})`,
    );
    const copy = target.sqlite.transaction((chunk: unknown[][]) => {
      for (const values of chunk) insert.run(values);
    });
    const commit = (chunk: unknown[][]) => {
      const began = performance.now();
      copy(chunk);
      target.committed();
      transactionsMs += performance.now() - began;
      rows += chunk.length;
    };
    const started = performance.now();
    let chunk: unknown[][] = [];
    for (const values of read.iterate() as IterableIterator<unknown[]>) {
      chunk.push(values);
      if (chunk.length === perTransaction) {
        commit(chunk);
        chunk = [];
      }
    }
    commit(chunk);
    ms += performance.now() - started;
    target.close();
    source.close();
  }
  return { rows, ms, transactionsMs };
}

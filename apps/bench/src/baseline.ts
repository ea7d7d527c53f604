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
}

/**
 * The yardstick: one process copying the rows the simulation accepted from
 * its files in `from` into fresh files in `to`, opened as a node opens its
 * own (same schema, same durability), with a prepared INSERT in large
 * transactions: no validation, no IPC, no logs.
 */
export function baseline(from: string, to: string, durability: Durability): BaselineResult {
  const targets = NODES.map((node) => {
    const file = join(to, `${node}.db`);
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    const { sqlite: db, close } = openDatabase(file, {
      durability,
      migrationsFolder: APPS[node].migrationsFolder,
      holder: 'the bench baseline',
    });
    return { node, db, close, source: new Database(join(from, `${node}.db`), { readonly: true }) };
  });
  let rows = 0;
  const started = performance.now();
  for (const { node, db, source } of targets) {
    const read = source.prepare(`select * from "${node}" order by id`).raw();
    const insert = db.prepare(
      `insert into "${node}" values (${read
        .columns()
        .map(() => '?')
        .join(', ')})`,
    );
    const copy = db.transaction((chunk: unknown[][]) => {
      for (const values of chunk) insert.run(values);
    });
    let chunk: unknown[][] = [];
    for (const values of read.iterate() as IterableIterator<unknown[]>) {
      chunk.push(values);
      if (chunk.length === ROWS_PER_TRANSACTION) {
        copy(chunk);
        rows += chunk.length;
        chunk = [];
      }
    }
    copy(chunk);
    rows += chunk.length;
  }
  const seconds = (performance.now() - started) / 1000;
  for (const { close, source } of targets) {
    close();
    source.close();
  }
  const { userCPUTime, systemCPUTime, maxRSS } = process.resourceUsage();
  return { rows, seconds, maxRssKb: maxRSS, cpuMs: Math.round((userCPUTime + systemCPUTime) / 1000) };
}

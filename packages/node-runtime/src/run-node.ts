import { mkdirSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultDatabasesDir, runMain, UsageError, userPath } from '@dbsim/cli';
import { createLogger } from '@dbsim/logger';
import { Channel } from '@dbsim/protocol';
import { NodeServer } from './node-server.js';
import { type Durability, NodeStore } from './store.js';
import type { TableSpec } from './table-spec.js';

export interface NodeApp {
  spec: TableSpec;
  /** The app's drizzle-kit migrations folder. */
  migrationsFolder: string;
}

const DURABILITIES: readonly Durability[] = ['normal', 'full'];

/**
 * A node app's whole main: open and migrate DIR/<node>.db, then serve the
 * protocol. Forked by the orchestrator, it speaks over the pipe on `--fd`
 * and exits as soon as its parent is gone.
 */
export function runNode({ spec, migrationsFolder }: NodeApp): void {
  runMain(`${spec.node}-node`, async () => {
    const { values } = parseArgs({
      options: {
        dir: { type: 'string' },
        durability: { type: 'string', default: 'full' },
        fd: { type: 'string' },
      },
      strict: true,
    });
    const durability = values.durability as Durability;
    if (!DURABILITIES.includes(durability)) throw new UsageError(`--durability must be one of ${DURABILITIES.join(', ')}`);
    if (values.fd === undefined) throw new UsageError('--fd is required: the orchestrator starts this node (pnpm simulate)');

    const dir = values.dir === undefined ? defaultDatabasesDir() : userPath(values.dir);
    mkdirSync(dir, { recursive: true });
    const log = createLogger(spec.node);
    const store = new NodeStore(spec, join(dir, `${spec.node}.db`), migrationsFolder, durability);
    const server = new NodeServer(store, log);

    let stopping = false;
    const stop = (why: string) => {
      if (stopping) return;
      stopping = true;
      void server.stop().then(() => {
        store.close();
        log.info({ why }, 'node stopped');
        process.exit(0);
      });
    };
    server.onShutdown(() => stop('shutdown requested'));
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    // The IPC channel closes when the parent dies, even by SIGKILL: a node never outlives its run.
    process.on('disconnect', () => stop('orchestrator gone'));

    const pipe = new Socket({ fd: Number(values.fd), readable: true, writable: true });
    pipe.on('close', () => stop('orchestrator gone'));
    server.attach(new Channel(spec.node, pipe));
    log.info({ dir, durability, ...store.latest() }, 'node started');
    server.replayLastBatch();
    return undefined;
  });
}

import { rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { command, defaultDatabasesDir, Option, parse, runMain, UsageError, userPath, wholeNumber, writableFolder } from '@dbsim/cli';
import { createLogger, logEvent, usage } from '@dbsim/logger';
import {
  type Address,
  Channel,
  DURABILITIES,
  type Durability,
  formatAddress,
  listenOn,
  messagesCounted,
  NODE_EXIT,
  nodeSocket,
  parseAddress,
  processName,
} from '@dbsim/protocol';
import { LogFanout } from './log-fanout.js';
import { Router } from './router.js';
import { NodeStore } from './store.js';
import type { AnyTableSpec } from './table-spec.js';

export interface NodeApp {
  spec: AnyTableSpec;
  /** The app's drizzle-kit migrations folder. */
  migrationsFolder: string;
  /** SQLite's page cache, in KiB, if not the runtime's. */
  cacheKib?: number;
}

/**
 * A node app's whole main: open and migrate DIR/<node>.db, then serve the
 * protocol. Forked by the orchestrator, it speaks over the connection it
 * was handed on `--fd` and exits as soon as its parent is gone. Started by hand, it listens on a
 * Unix socket in DIR (or `--listen tcp://HOST:PORT`) for any number of
 * connections, the same protocol on each, until Ctrl-C.
 */
export function runNode({ spec, migrationsFolder, cacheKib }: NodeApp): void {
  const name = processName(spec.node);
  runMain(name, async () => {
    const program = command(name, `The node that owns the ${spec.node} table: on its own, it serves the protocol on a socket until Ctrl-C.`)
      .addOption(new Option('--dir <dir>', 'the folder of its database, and of its socket (default: databases/)'))
      .addOption(
        new Option('--listen <address>', 'listen on tcp://HOST:PORT (port 0 takes a free one) or a socket path (default: DIR/NODE.sock)'),
      )
      .addOption(new Option('--durability <mode>', "SQLite's synchronous setting").choices(DURABILITIES).default('full'))
      // Forked by the orchestrator: the protocol on the connection it handed over as this fd, no socket of its own.
      .addOption(new Option('--fd <n>').argParser(wholeNumber).hideHelp())
      // Restarted by chaos after a power loss: what the node had not synced is lost before it opens its file.
      .addOption(new Option('--lose-unsynced').hideHelp());
    if ((await parse(program)) === undefined) return 0;
    const values = program.opts<{ dir?: string; listen?: string; durability: Durability; fd?: number; loseUnsynced?: boolean }>();
    const { durability } = values;
    if (values.fd !== undefined && values.listen !== undefined)
      throw new UsageError('give --fd (forked) or --listen (standalone), not both');

    const dir = values.dir === undefined ? defaultDatabasesDir() : userPath(values.dir);
    const address = values.fd === undefined ? listenAddress(values.listen, nodeSocket(dir, spec.node)) : undefined;
    writableFolder(dir, '--dir');
    const fanout = address === undefined ? undefined : new LogFanout();
    const log = createLogger(name, fanout);
    // A standalone node claims its address before it opens its file: one already running on this folder keeps it.
    let router: Router | undefined;
    // A connection before the database is open is closed at once rather than left unanswered.
    const listening =
      address && (await listenOn(address, (socket) => (router ? router.attach(new Channel(spec.node, socket)) : socket.destroy())));
    const release = () => {
      listening?.server.close();
      if (address?.kind === 'unix') rmSync(address.path, { force: true });
    };
    let store: NodeStore;
    try {
      store = new NodeStore(spec, join(dir, `${spec.node}.db`), {
        durability,
        migrationsFolder,
        cacheKib,
        holder: name,
        loseUnsynced: values.loseUnsynced === true,
      });
    } catch (error) {
      release();
      throw error;
    }
    // A damaged database: one line, and an exit code that tells the orchestrator a restart would not help.
    const onFatal = (error: unknown) => {
      process.stderr.write(`${name}: ${store.file} is corrupt: ${(error as Error).message}\n`);
      process.exit(NODE_EXIT.corrupt);
    };
    const serving = Router.serving(store, log, { logs: fanout, onShutdown: () => stop('shutdown requested'), onFatal });
    let stopping = false;
    const stop = (why: string) => {
      if (stopping) return;
      stopping = true;
      void serving.inserts.stop().then(() => {
        release();
        store.close();
        logEvent(log, 'node stopped', { why, ...usage(), messages: messagesCounted });
        process.exit(0);
      });
    };
    router = serving;
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));

    if (address === undefined) {
      // The IPC channel closes when the parent dies, even by SIGKILL: a forked node never outlives its run.
      process.on('disconnect', () => stop('orchestrator gone'));
      const pipe = new Socket({ fd: values.fd, readable: true, writable: true });
      pipe.on('close', () => stop('orchestrator gone'));
      serving.attach(new Channel(spec.node, pipe));
    }
    const listen = listening ? formatAddress(listening.bound) : undefined;
    logEvent(log, 'node started', { dir, durability, ...(listen === undefined ? {} : { listen }), ...store.ledger.latest() });
    serving.inserts.replayLastBatch();
    return undefined;
  });
}

function listenAddress(listen: string | undefined, defaultAddress: Address): Address {
  if (listen === undefined) return defaultAddress;
  try {
    return parseAddress(listen, userPath);
  } catch (error) {
    throw new UsageError(`--listen: ${(error as Error).message}`, { cause: error });
  }
}

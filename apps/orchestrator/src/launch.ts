import { type ChildProcess, fork } from 'node:child_process';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { INITIAL_HEAP_SIZE, NODE_HEAP_FLAGS, nodeEnv } from '@dbsim/cli';
import {
  type Address,
  type Channel,
  connectTo,
  type Durability,
  formatAddress,
  LineDecoder,
  NODE_EXIT,
  type NodeName,
  processName,
} from '@dbsim/protocol';
import { loopbackPair } from './loopback.js';

/** Where each node app's entry point is, as its package exports it. */
const MAINS: Record<NodeName, string> = {
  users: import.meta.resolve('@dbsim/users-node/main'),
  products: import.meta.resolve('@dbsim/products-node/main'),
  orders: import.meta.resolve('@dbsim/orders-node/main'),
};

/** The fd a forked node speaks the protocol on (stdin, stdout, stderr, ipc, then this): a loopback connection. */
const PROTOCOL_FD = 4;

/** How an incarnation ended, and whether starting another could help. */
export interface Ending {
  how: string;
  /** A node that stopped for a reason it would meet again (its file is in use, or damaged) is not restarted. */
  final?: { exitCode: number };
}

/** Where a node's streams stand, as it says when it lets go. */
export interface Delivery {
  producer: number;
  offset: number;
  sealed: boolean;
}

/** One incarnation of a node as the orchestrator reaches it: a process it forked, or a connection to one already running. */
export interface Link {
  stream: Duplex;
  /** Resolves with how the incarnation ended. */
  ended: Promise<Ending>;
  /** Ends it the way a crash would. */
  kill(): void;
  /** Stops it as SIGSTOP does, until resume(); a process someone else started is not ours to stop. */
  pause(): void;
  resume(): void;
  /** Lets it go at the end of a run; says how far its streams got, if it could. */
  release(channel: Channel, graceMs: number): Promise<Delivery | undefined>;
  /** Its log lines come over the protocol, once subscribed to, rather than on a stdout of ours. */
  logsOverChannel: boolean;
}

export interface LaunchOptions {
  /** The node comes back from a power loss: before it opens its database, it loses the writes it had not synced. */
  loseUnsynced?: boolean;
}

export type Launch = (options?: LaunchOptions) => Promise<Link>;

export interface ForkOptions {
  dir: string;
  durability: Durability;
  /** Each complete line the node logs, without its newline. */
  onLogLine(line: string): void;
}

/** A node's exit codes that say a restart would meet the same end: a usage error (its file is in use), a damaged database. */
const FINAL_EXIT_CODES: ReadonlyMap<number, number> = new Map([
  [NODE_EXIT.inUse, 2],
  [NODE_EXIT.corrupt, 1],
]);

/** A node's Node flags: the orchestrator's own (a profiler's, say), but not its heap's head start, then the node's heap settings. */
export function nodeExecArgv(name: NodeName, orchestrator: readonly string[]): string[] {
  return [...orchestrator.filter((flag) => !flag.startsWith(INITIAL_HEAP_SIZE)), ...NODE_HEAP_FLAGS[processName(name)]];
}

/**
 * Forks the node app: its stdout carries its log lines and an extra fd the
 * protocol, each a loopback connection (see loopbackPair), and its stderr
 * the one line it ends with if it fails. Released, it is asked to shut down.
 */
export function forkNode(name: NodeName, { dir, durability, onLogLine }: ForkOptions): Launch {
  return async ({ loseUnsynced = false } = {}) => {
    const args = ['--dir', dir, '--durability', durability, '--fd', String(PROTOCOL_FD), ...(loseUnsynced ? ['--lose-unsynced'] : [])];
    // Its log lines too: a batch's rejections can be megabytes, and a node must not wait for us to read them.
    const pairs = await Promise.allSettled([loopbackPair(), loopbackPair()]);
    const made = pairs.flatMap((pair) => (pair.status === 'fulfilled' ? [pair.value] : []));
    const [link, logs] = made;
    let child: ChildProcess | undefined;
    try {
      if (link === undefined || logs === undefined)
        throw (pairs.find((pair) => pair.status === 'rejected') as PromiseRejectedResult).reason;
      child = fork(fileURLToPath(MAINS[name]), args, {
        stdio: ['ignore', logs.theirs, 'pipe', 'ipc', link.theirs],
        execArgv: nodeExecArgv(name, process.execArgv),
        env: nodeEnv(),
      });
    } finally {
      // The child has its own copies; without a child, ours go too, or they would keep this process alive.
      for (const { ours, theirs } of made) {
        theirs.destroy();
        if (child === undefined) ours.destroy();
      }
    }
    let lastWords = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      lastWords = `${lastWords}${chunk}`.slice(-4096);
    });
    // A fresh decoder per incarnation: a line a killed process left half-written is dropped, not glued to the next.
    const lines = new LineDecoder(onLogLine, () => {});
    logs.ours.on('data', (chunk: Buffer) => lines.write(chunk));
    logs.ours.on('error', () => {}); // its end going away is seen as 'close' all the same
    const logsRead = new Promise((resolve) => logs.ours.on('close', resolve));
    const exited = new Promise<Ending>((resolve) => {
      child.on('close', (code, signal) => {
        const said = lastWords.trim().split('\n').at(-1)?.replace(`${name}-node: `, '');
        const how = signal ? `killed by ${signal}` : said ? `stopped: ${said}` : `exited with code ${code}`;
        const exitCode = code === null ? undefined : FINAL_EXIT_CODES.get(code);
        resolve(exitCode === undefined ? { how } : { how, final: { exitCode } });
      });
    });
    // Ended once its last log line is in too.
    const ended = Promise.all([exited, logsRead]).then(([ending]) => ending);
    const kill = () => child.kill('SIGKILL');
    return {
      stream: link.ours,
      ended,
      kill,
      pause: () => child.kill('SIGSTOP'),
      resume: () => child.kill('SIGCONT'),
      logsOverChannel: false,
      async release(channel, graceMs) {
        const timer = setTimeout(kill, graceMs);
        const stopped = await channel.request(name, { type: 'shutdown' }).catch(() => undefined);
        await ended;
        clearTimeout(timer);
        return stopped;
      },
    };
  };
}

/** Connects to a node someone started on its own. Released, it is left running. */
export function attachNode(name: NodeName, address: Address): Launch {
  return async () => {
    const socket = await connectTo(address);
    const ended = new Promise<Ending>((resolve) =>
      socket.on('close', () => resolve({ how: `lost its connection at ${formatAddress(address)}` })),
    );
    return {
      stream: socket,
      ended,
      kill: () => socket.destroy(),
      pause: () => {},
      resume: () => {},
      logsOverChannel: true,
      async release(channel) {
        const state = await channel.request(name, { type: 'hello' }, { deadlineMs: 5000 }).catch(() => undefined);
        socket.end();
        await ended;
        return state;
      },
    };
  };
}

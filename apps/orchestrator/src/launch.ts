import { fork } from 'node:child_process';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { HEAP_FLAGS } from '@dbsim/cli';
import { type Address, type Channel, connectTo, type Durability, formatAddress, LineDecoder, type NodeName } from '@dbsim/protocol';

/** Where each node app's entry point is, as its package exports it. */
const MAINS: Record<NodeName, string> = {
  users: import.meta.resolve('@dbsim/users-node/main'),
  products: import.meta.resolve('@dbsim/products-node/main'),
  orders: import.meta.resolve('@dbsim/orders-node/main'),
};

/** The extra pipe a forked node speaks the protocol on (stdin, stdout, stderr, ipc, then this). */
const PROTOCOL_FD = 4;

/** One incarnation of a node as the orchestrator reaches it: a process it forked, or a connection to one already running. */
export interface Link {
  stream: Duplex;
  /** Resolves with how the incarnation ended. */
  ended: Promise<string>;
  /** Ends it the way a crash would. */
  kill(): void;
  /** Lets it go at the end of a run. */
  release(channel: Channel, graceMs: number): Promise<void>;
  /** Its log lines come over the protocol, once subscribed to, rather than on a stdout of ours. */
  logsOverChannel: boolean;
}

export type Launch = () => Promise<Link>;

export interface ForkOptions {
  dir: string;
  durability: Durability;
  /** Each complete line the node logs. */
  onLogLine(line: string): void;
}

/** Forks the node app: its stdout carries its log lines, an extra pipe the protocol. Released, it is asked to shut down. */
export function forkNode(name: NodeName, { dir, durability, onLogLine }: ForkOptions): Launch {
  return async () => {
    const child = fork(fileURLToPath(MAINS[name]), ['--dir', dir, '--durability', durability, '--fd', String(PROTOCOL_FD)], {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc', 'pipe'],
      execArgv: [...process.execArgv, ...HEAP_FLAGS],
    });
    // A fresh decoder per incarnation: a line a killed process left half-written is dropped, not glued to the next.
    const logs = new LineDecoder(
      (line) => onLogLine(`${line}\n`),
      () => {},
    );
    child.stdout?.on('data', (chunk: Buffer) => logs.write(chunk));
    const ended = new Promise<string>((resolve) => {
      child.on('exit', (code, signal) => resolve(signal ? `killed by ${signal}` : `exited with code ${code}`));
    });
    const kill = () => child.kill('SIGKILL');
    return {
      stream: child.stdio[PROTOCOL_FD] as Socket,
      ended,
      kill,
      logsOverChannel: false,
      async release(channel, graceMs) {
        const timer = setTimeout(kill, graceMs);
        await channel.request(name, { type: 'shutdown' }).catch(() => {});
        await ended;
        clearTimeout(timer);
      },
    };
  };
}

/** Connects to a node someone started on its own. Released, it is left running. */
export function attachNode(address: Address): Launch {
  return async () => {
    const socket = await connectTo(address);
    const ended = new Promise<string>((resolve) => socket.on('close', () => resolve(`lost its connection at ${formatAddress(address)}`)));
    return {
      stream: socket,
      ended,
      kill: () => socket.destroy(),
      logsOverChannel: true,
      async release() {
        socket.end();
        await ended;
      },
    };
  };
}

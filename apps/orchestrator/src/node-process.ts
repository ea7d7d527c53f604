import { type ChildProcess, fork } from 'node:child_process';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Channel, LineDecoder, type NodeName, ORCHESTRATOR, type ReplyTo, type Unsent } from '@dbsim/protocol';

/** Where each node app's entry point is, as its package exports it. */
const MAINS: Record<NodeName, string> = {
  users: import.meta.resolve('@dbsim/users-node/main'),
  products: import.meta.resolve('@dbsim/products-node/main'),
  orders: import.meta.resolve('@dbsim/orders-node/main'),
};

/** The extra pipe a forked node speaks the protocol on (stdin, stdout, stderr, ipc, then this). */
const PROTOCOL_FD = 4;

/**
 * One forked node: its protocol channel, and its stdout read as log lines.
 * The IPC channel carries nothing; its closing tells the node its parent is gone.
 */
export class NodeProcess {
  readonly channel: Channel;
  readonly exited: Promise<string>;
  readonly #child: ChildProcess;

  constructor(
    readonly name: NodeName,
    dir: string,
    onLogLine: (line: string) => void,
  ) {
    this.#child = fork(fileURLToPath(MAINS[name]), ['--dir', dir, '--fd', String(PROTOCOL_FD)], {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc', 'pipe'],
    });
    const logs = new LineDecoder(
      (line) => onLogLine(`${line}\n`),
      () => {},
    );
    this.#child.stdout?.on('data', (chunk: Buffer) => logs.write(chunk));
    this.channel = new Channel(ORCHESTRATOR, this.#child.stdio[PROTOCOL_FD] as Socket);
    this.exited = new Promise((resolve) => {
      this.#child.on('exit', (code, signal) => resolve(signal ? `killed by ${signal}` : `exited with code ${code}`));
    });
  }

  /** A request to this node; if it fails because the node died, the error says how. */
  async request<B extends Unsent>(body: B): Promise<ReplyTo<B['type']>> {
    try {
      return await this.channel.request(this.name, body);
    } catch (error) {
      const exit = await Promise.race([this.exited, sleep(200, undefined)]);
      throw new Error(`${this.name}-node ${exit ?? `failed: ${(error as Error).message}`}`);
    }
  }

  kill(): void {
    this.#child.kill('SIGKILL');
  }
}

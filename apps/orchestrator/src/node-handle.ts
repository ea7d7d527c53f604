import { type ChildProcess, fork } from 'node:child_process';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@dbsim/logger';
import { Channel, LineDecoder, type NodeName, ORCHESTRATOR, type ReplyTo, type Unsent } from '@dbsim/protocol';

/** Where each node app's entry point is, as its package exports it. */
const MAINS: Record<NodeName, string> = {
  users: import.meta.resolve('@dbsim/users-node/main'),
  products: import.meta.resolve('@dbsim/products-node/main'),
  orders: import.meta.resolve('@dbsim/orders-node/main'),
};

/** The extra pipe a forked node speaks the protocol on (stdin, stdout, stderr, ipc, then this). */
const PROTOCOL_FD = 4;
const HEARTBEAT_MS = 1000;

export interface NodeOptions {
  dir: string;
  durability: string;
  /** Restarts allowed before the run gives up. */
  restarts: number;
  /** A node that answers no heartbeat for this long is taken for hung, killed and restarted. */
  hangTimeoutMs: number;
  log: Logger;
  /** Each complete line the node logs. */
  onLogLine(node: NodeName, line: string): void;
}

/** Raised when a node cannot be kept running: its restart budget is spent, or the run is stopping. */
export class NodeDown extends Error {}

interface Incarnation {
  number: number;
  child: ChildProcess;
  channel: Channel;
  exited: Promise<string>;
}

/**
 * One supervised node. It is forked, greeted, watched by a heartbeat, and
 * when it exits unasked (a crash, a kill -9, a hang the heartbeat caught)
 * restarted with backoff until the restart budget is spent. Callers wait
 * for `ready()`; requests in flight when it dies fail, and are theirs to retry.
 */
export class NodeHandle {
  restarts = 0;
  #current: Incarnation | undefined;
  #ready!: Promise<Incarnation>;
  /** Settles #ready while it is pending; undefined once it has settled. */
  #settle: { resolve(incarnation: Incarnation): void; reject(error: Error): void } | undefined;
  #stopping = false;
  #heartbeat: NodeJS.Timeout | undefined;
  #onRestart: (incarnation: number) => void = () => {};

  constructor(
    readonly name: NodeName,
    private readonly options: NodeOptions,
  ) {
    this.#pending();
    this.#start(0);
  }

  /** Called each time a new incarnation has answered its hello. */
  onRestart(handler: (incarnation: number) => void): this {
    this.#onRestart = handler;
    return this;
  }

  /** The incarnation currently running (0 for the first), or undefined while the node is down. */
  get incarnation(): number | undefined {
    return this.#current?.number;
  }

  get channel(): Channel | undefined {
    return this.#current?.channel;
  }

  /** Resolves with the running incarnation's number once it has answered its hello; fails once the node is down for good. */
  async ready(): Promise<number> {
    return (await this.#ready).number;
  }

  async request<B extends Unsent>(body: B): Promise<ReplyTo<B['type']>> {
    const incarnation = await this.#ready;
    return incarnation.channel.request(this.name, body);
  }

  /** SIGKILL, as chaos does it: the node is restarted like after any crash. */
  kill(): void {
    this.#current?.child.kill('SIGKILL');
  }

  /** Asks the node to finish its transaction and close its database; kills it if it does not within the grace period. */
  async stop(graceMs = 10_000): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#heartbeat);
    this.#fail(new NodeDown(`${this.name}-node is stopping`));
    const current = this.#current;
    if (current === undefined) return;
    const timer = setTimeout(() => current.child.kill('SIGKILL'), graceMs);
    await current.channel.request(this.name, { type: 'shutdown' }).catch(() => {});
    await current.exited;
    clearTimeout(timer);
  }

  /** Makes waiters wait: the node is between incarnations. */
  #pending(): void {
    if (this.#settle !== undefined) return;
    this.#ready = new Promise<Incarnation>((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    this.#ready.catch(() => {});
  }

  /** From now on, waiting for this node fails with this error. */
  #fail(error: NodeDown): void {
    this.#settle?.reject(error);
    this.#settle = undefined;
    this.#ready = Promise.reject(error);
    this.#ready.catch(() => {});
  }

  #start(number: number): void {
    const { dir, durability, onLogLine } = this.options;
    const child = fork(fileURLToPath(MAINS[this.name]), ['--dir', dir, '--durability', durability, '--fd', String(PROTOCOL_FD)], {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc', 'pipe'],
    });
    // A fresh decoder per incarnation: a line a killed process left half-written is dropped, not glued to the next.
    const logs = new LineDecoder(
      (line) => onLogLine(this.name, `${line}\n`),
      () => {},
    );
    child.stdout?.on('data', (chunk: Buffer) => logs.write(chunk));
    // Waiters must find the node not ready before the channel fails their requests, or they would retry against the
    // dead incarnation. Any way the pipe goes (end, close, an EPIPE error) closes the channel.
    const channel = new Channel(ORCHESTRATOR, child.stdio[PROTOCOL_FD] as Socket).onClose(() => {
      if (this.#current === incarnation && !this.#stopping) this.#pending();
    });
    const exited = new Promise<string>((resolve) => {
      child.on('exit', (code, signal) => resolve(signal ? `killed by ${signal}` : `exited with code ${code}`));
    });
    const incarnation: Incarnation = { number, child, channel, exited };
    this.#current = incarnation;
    void exited.then((how) => this.#exited(incarnation, how));
    channel.request(this.name, { type: 'hello' }).then(
      () => {
        if (this.#current !== incarnation || this.#stopping) return;
        this.#settle?.resolve(incarnation);
        this.#settle = undefined;
        this.#watch(incarnation);
        if (number > 0) this.#onRestart(number);
      },
      () => {}, // it died before answering: #exited takes over
    );
  }

  #watch(incarnation: Incarnation): void {
    clearInterval(this.#heartbeat);
    let answered = Date.now();
    this.#heartbeat = setInterval(() => {
      if (Date.now() - answered > this.options.hangTimeoutMs) {
        this.options.log.error({ node: this.name, silentMs: Date.now() - answered }, 'node hung: killing it');
        incarnation.child.kill('SIGKILL');
        return;
      }
      incarnation.channel.request(this.name, { type: 'hello' }).then(
        () => {
          answered = Date.now();
        },
        () => {},
      );
    }, HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  async #exited(incarnation: Incarnation, how: string): Promise<void> {
    if (this.#current !== incarnation) return;
    this.#current = undefined;
    clearInterval(this.#heartbeat);
    if (this.#stopping) return;
    const { log, restarts } = this.options;
    if (this.restarts >= restarts) {
      log.error({ node: this.name, exit: how, restarts: this.restarts }, 'node down for good');
      this.#fail(new NodeDown(`${this.name}-node ${how}, and its restart budget (--restarts ${restarts}) is spent`));
      return;
    }
    this.#pending();
    this.restarts++;
    const backoffMs = Math.min(100 * 2 ** (this.restarts - 1), 2000);
    log.error({ node: this.name, exit: how, restart: this.restarts, backoffMs }, 'node died: restarting');
    await sleep(backoffMs);
    if (!this.#stopping) this.#start(incarnation.number + 1);
  }
}

import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@dbsim/logger';
import { Channel, type Envelope, type NodeName, ORCHESTRATOR, type ReplyTo, type Unsent } from '@dbsim/protocol';
import type { Launch, Link } from './links.js';

const HEARTBEAT_MS = 1000;

export interface SupervisionOptions {
  /** Restarts allowed before the run gives up. */
  restarts: number;
  /** A node that answers no heartbeat for this long is taken for hung, killed and restarted. */
  hangTimeoutMs: number;
  log: Logger;
  /** Each complete log line of a node whose logs come over the protocol (an attached one). */
  onLogLine(line: string): void;
}

/** Raised when a node cannot be kept running: its restart budget is spent, or the run is stopping. */
export class NodeDown extends Error {}

interface Incarnation {
  number: number;
  link: Link;
  channel: Channel;
}

/**
 * One supervised node. It is launched (forked, or connected to), greeted,
 * watched by a heartbeat, and when it ends unasked (a crash, a kill -9, a
 * hang the heartbeat caught, a lost connection) launched again with backoff
 * until the restart budget is spent. A node whose first incarnation never
 * answered is not retried: it would fail the same way. Callers wait for
 * `ready()`; requests in flight when it dies fail, and are theirs to retry.
 */
export class NodeHandle {
  restarts = 0;
  #current: Incarnation | undefined;
  #ready!: Promise<Incarnation>;
  /** Settles #ready while it is pending; undefined once it has settled. */
  #settle: { resolve(incarnation: Incarnation): void; reject(error: Error): void } | undefined;
  #stopping = false;
  #greeted = false;
  #heartbeat: NodeJS.Timeout | undefined;
  #onRestart: (incarnation: number) => void = () => {};
  #onMessage: (message: Envelope) => void = () => {};

  constructor(
    readonly name: NodeName,
    private readonly launch: Launch,
    private readonly options: SupervisionOptions,
  ) {
    this.#pending();
    void this.#start(0);
  }

  /** Messages any incarnation sends that are not replies to our requests. */
  onMessage(handler: (message: Envelope) => void): this {
    this.#onMessage = handler;
    return this;
  }

  /** Called each time a restarted incarnation has answered its hello. */
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

  /** A crash, as chaos makes one: the node is restarted like after any other. */
  kill(): void {
    this.#current?.link.kill();
  }

  /**
   * Ends supervision. A forked node is asked to finish its transaction and
   * close its database, and killed if it does not within the grace period;
   * an attached one is disconnected and left running.
   */
  async stop(graceMs = 10_000): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#heartbeat);
    this.#fail(new NodeDown(`${this.name}-node is stopping`));
    await this.#current?.link.release(this.#current.channel, graceMs);
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

  async #start(number: number): Promise<void> {
    let link: Link;
    try {
      link = await this.launch();
    } catch (error) {
      return this.#ended(number, (error as Error).message);
    }
    if (this.#stopping) return link.kill();
    // Waiters must find the node not ready before the channel fails their requests, or they would retry against the
    // dead incarnation. Any way the stream goes (end, close, an EPIPE error) closes the channel.
    const channel = new Channel(ORCHESTRATOR, link.stream)
      .onClose(() => {
        if (this.#current === incarnation && !this.#stopping) this.#pending();
      })
      .onMessage((message) => (message.body.type === 'log' ? this.options.onLogLine(`${message.body.line}\n`) : this.#onMessage(message)))
      .onInvalid((problem) => this.options.log.warn({ from: this.name, problem }, 'invalid message from node'));
    const incarnation: Incarnation = { number, link, channel };
    this.#current = incarnation;
    void link.ended.then((how) => {
      if (this.#current === incarnation) this.#ended(number, how);
    });
    if (link.logsOverChannel) channel.request(this.name, { type: 'subscribe_logs' }).catch(() => {});
    channel.request(this.name, { type: 'hello' }).then(
      () => {
        if (this.#current !== incarnation || this.#stopping) return;
        this.#greeted = true;
        this.#settle?.resolve(incarnation);
        this.#settle = undefined;
        this.#watch(incarnation);
        if (number > 0) this.#onRestart(number);
      },
      () => {}, // it died before answering: #ended takes over
    );
  }

  #watch(incarnation: Incarnation): void {
    clearInterval(this.#heartbeat);
    let answered = Date.now();
    this.#heartbeat = setInterval(() => {
      if (Date.now() - answered > this.options.hangTimeoutMs) {
        this.options.log.error({ node: this.name, silentMs: Date.now() - answered }, 'node hung: killing it');
        incarnation.link.kill();
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

  async #ended(number: number, how: string): Promise<void> {
    this.#current = undefined;
    clearInterval(this.#heartbeat);
    if (this.#stopping) return;
    const { log, restarts } = this.options;
    if (!this.#greeted) {
      log.error({ node: this.name, problem: how }, 'node did not come up');
      this.#fail(new NodeDown(`${this.name}-node did not come up: ${how}`));
      return;
    }
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
    if (!this.#stopping) await this.#start(number + 1);
  }
}

import { setTimeout as sleep } from 'node:timers/promises';
import { type Logger, logEvent } from '@dbsim/logger';
import {
  Channel,
  type Envelope,
  type NodeName,
  ORCHESTRATOR,
  processName,
  type RelayPeer,
  RemoteError,
  type ReplyTo,
  type RequestOptions,
  type Unsent,
} from '@dbsim/protocol';
import type { Delivery, Ending, Launch, Link } from './launch.js';
import type { Net } from './net.js';

/** How soon a quiet node is pinged. */
export const PING_MS = 1000;
/** A node that has not answered its first hello by then never will: its file takes seconds to open at most. */
const STARTUP_MS = 60_000;

export interface SupervisionOptions {
  /** Restarts allowed before the run gives up. */
  restarts: number;
  /** A node that answers nothing, pings included, for this long is taken for hung, killed and restarted. */
  hangTimeoutMs: number;
  log: Logger;
  /** Each complete log line, without its newline, of a node whose logs come over the protocol (an attached one). */
  onLogLine(line: string): void;
  /** The network every message to and from the node goes through: it records them, and under chaos it is faulty. */
  net?: Net | undefined;
  /** The network may lose messages (chaos): requests are sent again until answered, on both ends. */
  lossy?: boolean;
  /** Called as a node that died unasked is restarted, with how it ended. */
  onRestart?(node: NodeName, exit: string): void;
}

/**
 * Raised when a node cannot be kept running: its restart budget is spent, it
 * stopped for a reason a restart would meet again (`exitCode` says what the
 * run's should be), or the run is stopping.
 */
export class NodeDown extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

interface Incarnation {
  number: number;
  link: Link;
  channel: Channel;
  /** Why the supervisor killed it, when that says more than how it ended. */
  killedFor?: string;
}

/**
 * Supervision of one node. It is launched (forked, or connected to),
 * greeted, and watched by its channel's pings; when it ends unasked (a
 * crash, a kill -9, a hang the pings caught, a lost connection) it is
 * launched again with backoff until the restart budget is spent. A node
 * whose first incarnation never answered is not retried: it would fail the
 * same way. Callers wait for `ready()`; requests in flight when it dies
 * fail as indefinite, and are theirs to retry.
 */
export class Supervisor implements RelayPeer {
  restarts = 0;
  readonly #target: string;
  #current: Incarnation | undefined;
  #ready!: Promise<Incarnation>;
  /** Settles #ready while it is pending; undefined once it has settled. */
  #settle: { resolve(incarnation: Incarnation): void; reject(error: Error): void } | undefined;
  #stopping = false;
  #greeted = false;
  #onRestart: (incarnation: number) => void = () => {};
  #onMessage: (message: Envelope) => void = () => {};
  /** The next launch comes back from a power loss. */
  #powerLost = false;
  /** Where the node's streams stood when its running incarnation answered its hello. */
  #greeting: Delivery | undefined;

  constructor(
    readonly name: NodeName,
    private readonly launch: Launch,
    private readonly options: SupervisionOptions,
  ) {
    this.#target = processName(name);
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

  async request<B extends Unsent>(body: B, options?: RequestOptions): Promise<ReplyTo<B['type']>> {
    const incarnation = await this.#ready;
    return incarnation.channel.request(this.name, body, options);
  }

  /**
   * A request that has the same effect however often it is made (a read, a
   * hello): sent again to the next incarnation whenever an answer is lost
   * with the one asked, until the node is down for good.
   */
  async ask<B extends Unsent>(body: B, options?: RequestOptions): Promise<ReplyTo<B['type']>> {
    for (;;) {
      try {
        return await this.request(body, options);
      } catch (error) {
        if (!(error instanceof RemoteError) || error.body.definite) throw error;
      }
    }
  }

  /** Where the running incarnation's streams stood when it came up: after a power loss, perhaps behind what it acknowledged. */
  get greeting(): Delivery | undefined {
    return this.#greeting;
  }

  /** A crash, as chaos makes one: the node is restarted like after any other. */
  kill(): void {
    this.#current?.link.kill();
  }

  /** A power loss, as chaos makes one: a crash, and the node comes back without the writes it had not synced. */
  powerLoss(): void {
    if (this.#current === undefined) return;
    this.#powerLost = true;
    this.kill();
  }

  /** SIGSTOP, then SIGCONT after `ms`: a pause longer than the hang timeout ends in a kill and a restart. */
  pause(ms: number): void {
    const link = this.#current?.link;
    if (link === undefined) return;
    link.pause();
    setTimeout(() => link.resume(), ms).unref();
  }

  /**
   * Ends supervision. A forked node is asked to finish its transaction and
   * close its database, and killed if it does not within the grace period;
   * an attached one is disconnected and left running.
   */
  async stop(graceMs = 10_000): Promise<Delivery | undefined> {
    this.#stopping = true;
    this.#fail(new NodeDown(`${this.#target} is stopping`));
    return this.#current?.link.release(this.#current.channel, graceMs);
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
      link = await this.launch({ loseUnsynced: this.#powerLost });
      this.#powerLost = false;
    } catch (error) {
      return this.#ended(number, { how: (error as Error).message });
    }
    if (this.#stopping) return link.kill();
    const { log, hangTimeoutMs, onLogLine } = this.options;
    // Waiters must find the node not ready before the channel fails their requests, or they would retry against the
    // dead incarnation. Any way the link goes (end, close, an EPIPE error, silence) closes the channel.
    // Watched from its first answer on: opening its database is no hang.
    const { net, lossy = false } = this.options;
    const channel = new Channel(ORCHESTRATOR, net?.link(this.name, link.stream) ?? link.stream, undefined)
      .onClose((reason) => {
        if (this.#current !== incarnation || this.#stopping) return;
        this.#pending();
        if (reason === 'silent') {
          logEvent(log, 'node hung: killing it', { target: this.#target, silentMs: hangTimeoutMs });
          incarnation.killedFor = `answered nothing for ${hangTimeoutMs} ms (--hang-timeout) and was killed`;
          link.kill();
        }
      })
      .onMessage((message) => (message.body.type === 'log' ? onLogLine(message.body.line) : this.#onMessage(message)))
      .onInvalid((problem) => logEvent(log, 'invalid message from node', { target: this.#target, problem }));
    const incarnation: Incarnation = { number, link, channel };
    this.#current = incarnation;
    void link.ended.then((ending) => {
      if (this.#current === incarnation) this.#ended(number, incarnation.killedFor ? { how: incarnation.killedFor } : ending);
    });
    if (link.logsOverChannel) channel.request(this.name, { type: 'subscribe_logs' }).catch(() => {});
    channel.lossy = lossy;
    channel.request(this.name, { type: 'hello', ...(lossy ? { lossy } : {}) }, { deadlineMs: STARTUP_MS }).then(
      ({ producer, offset, sealed }) => {
        if (this.#current !== incarnation || this.#stopping) return;
        this.#greeting = { producer, offset, sealed };
        channel.watch({ pingMs: PING_MS, silentMs: hangTimeoutMs, always: true });
        this.#greeted = true;
        this.#settle?.resolve(incarnation);
        this.#settle = undefined;
        if (number > 0) this.#onRestart(number);
      },
      (error: Error) => {
        // It died before answering, and #ended takes over; or it never answers, and is killed for it.
        if (error instanceof RemoteError && error.body.code === 'timeout' && this.#current === incarnation) {
          incarnation.killedFor = `no answer to its hello in ${STARTUP_MS / 1000} s`;
          link.kill();
        }
      },
    );
  }

  async #ended(number: number, { how, final }: Ending): Promise<void> {
    this.#current = undefined;
    if (this.#stopping) return;
    const { log, restarts } = this.options;
    const target = this.#target;
    if (final) {
      logEvent(log, 'node down for good', { target, exit: how, restarts: this.restarts });
      this.#fail(new NodeDown(`${target} ${how}`, final.exitCode));
      return;
    }
    if (!this.#greeted) {
      logEvent(log, 'node did not come up', { target, problem: how });
      this.#fail(new NodeDown(`${target} did not come up: ${how}`));
      return;
    }
    if (this.restarts >= restarts) {
      logEvent(log, 'node down for good', { target, exit: how, restarts: this.restarts });
      this.#fail(new NodeDown(`${target} ${how}, and its restart budget (--restarts ${restarts}) is spent`));
      return;
    }
    this.#pending();
    this.restarts++;
    const backoffMs = Math.min(100 * 2 ** (this.restarts - 1), 2000);
    logEvent(log, 'node died: restarting', { target, exit: how, restart: this.restarts, backoffMs });
    this.options.onRestart?.(this.name, how);
    await sleep(backoffMs);
    if (!this.#stopping) await this.#start(number + 1);
  }
}

import { type Logger, logEvent } from '@dbsim/logger';
import { type Channel, type Envelope, type ErrorBody, type ReplyBody, RequestBody, type Unanswered } from '@dbsim/protocol';
import { isCorrupt } from './database.js';
import { Inserts } from './inserts.js';
import type { LogFanout } from './log-fanout.js';
import { OwnerLookups } from './owner-lookups.js';
import type { NodeStore } from './store.js';

export interface RouterParts {
  store: NodeStore;
  inserts: Inserts;
  lookups: OwnerLookups;
  log: Logger;
  /** For a standalone node: connections may subscribe to its log lines. */
  logs?: LogFanout | undefined;
  /** Called once a shutdown request has been answered. */
  onShutdown(): void;
  /** Called with an error the node cannot answer for: a damaged database. */
  onFatal(error: unknown): void;
}

/**
 * The protocol router of a node: each request, on any number of channels,
 * goes to what answers it. The switch is exhaustive, so a new request type
 * does not compile until it has an answer here.
 */
export class Router {
  /**
   * The requests each channel has brought that are not answered yet, by
   * asker and msg_id: a repeat of one of them (the link duplicated it, or
   * the asker sent it again for want of an answer) is taken for none, so
   * that a lookup waiting for a stream to end is held once, not twice.
   */
  readonly #handling = new WeakMap<Channel, Set<string>>();

  constructor(private readonly parts: RouterParts) {}

  /** A node's parts around its store, wired together: what answers lookups, the insert pipeline, and the router. */
  static serving(store: NodeStore, log: Logger, options: Pick<RouterParts, 'logs' | 'onShutdown' | 'onFatal'>): Router {
    const lookups = new OwnerLookups(store);
    return new Router({ store, lookups, inserts: new Inserts(store, lookups, log, options.onFatal), log, ...options });
  }

  get inserts(): Inserts {
    return this.parts.inserts;
  }

  attach(channel: Channel): this {
    channel.onMessage((message) => this.#handle(channel, message)).onInvalid((problem, raw) => this.#invalid(channel, problem, raw));
    return this;
  }

  #handle(channel: Channel, message: Envelope): void {
    const { body } = message;
    if (!('msg_id' in body) || body.type === 'ping') return; // a reply nobody waits for any more, or the channel's own business
    const handling = this.#handling.get(channel) ?? new Set<string>();
    this.#handling.set(channel, handling);
    const key = `${message.src}#${body.msg_id}`;
    if (handling.has(key)) return;
    handling.add(key);
    const answer = (reply: Unanswered): void => {
      handling.delete(key);
      channel.send({
        src: channel.address,
        dest: message.src,
        body: { in_reply_to: body.msg_id, ...reply } as ReplyBody,
      });
    };
    try {
      this.#route(channel, message, body, answer);
    } catch (error) {
      if (isCorrupt(error)) this.parts.onFatal(error);
      else answer({ type: 'error', code: 'unavailable', definite: true, text: (error as Error).message });
    }
  }

  #route(channel: Channel, message: Envelope, body: RequestBody, answer: (reply: Unanswered) => void): void {
    const { store, inserts, lookups, logs } = this.parts;
    switch (body.type) {
      case 'insert':
        inserts.insert(channel, body, answer);
        break;
      case 'lookup':
        lookups.lookup(body.producer, body.ids, body.partial === true, (missing, undecided) =>
          answer({ type: 'lookup_ok', missing, undecided }),
        );
        break;
      case 'hello':
        if (body.lossy) channel.lossy = true;
        answer({ type: 'hello_ok', node: store.spec.node, pid: process.pid, ...store.ledger.latest() });
        break;
      case 'stats':
        answer({ type: 'stats_ok', ...store.reads.stats(body.producer) });
        break;
      case 'rejections':
        answer({ type: 'rejections_ok', rejections: store.reads.rejections(body.producer, body.after, body.limit) });
        break;
      case 'digest':
        answer({ type: 'digest_ok', ...store.reads.digest() });
        break;
      case 'status': {
        const uptimeMs = Math.round(process.uptime() * 1000);
        answer({ type: 'status_ok', node: store.spec.node, pid: process.pid, uptimeMs, ...store.reads.counts(), ...store.ledger.latest() });
        break;
      }
      case 'query':
        try {
          answer({ type: 'query_ok', ...store.reads.query(body.sql, body.limit) });
        } catch (error) {
          if (isCorrupt(error)) throw error;
          answer({ type: 'error', code: 'malformed_message', definite: true, text: (error as Error).message });
        }
        break;
      case 'subscribe_logs':
        if (logs === undefined) {
          answer({ type: 'error', code: 'not_supported', definite: true, text: 'a forked node logs to its stdout' });
          break;
        }
        logs.subscribe(channel, message.src);
        answer({ type: 'subscribe_logs_ok' });
        break;
      case 'abandon':
        void inserts.abandon(body.producer).then(
          (abandoned) => {
            lookups.committed(); // the stream has ended: lookups waiting for it are decided
            answer({ type: 'abandon_ok', abandoned, ...store.ledger.latest() });
          },
          (error: unknown) =>
            isCorrupt(error)
              ? this.parts.onFatal(error)
              : answer({ type: 'error', code: 'unavailable', definite: false, text: String(error) }),
        );
        break;
      case 'reset': {
        // Only if the node is still as the run saw it: a repeat that comes late, once the run's inserts have begun, does nothing.
        const now = store.ledger.latest();
        if (now.producer === body.producer && now.offset === body.offset && now.sealed === body.sealed) {
          store.reset();
          inserts.reset();
        }
        answer({ type: 'reset_ok', ...store.ledger.latest() });
        break;
      }
      case 'shutdown':
        void inserts.stop().then(() => {
          answer({ type: 'shutdown_ok', ...store.ledger.latest() });
          this.parts.onShutdown();
        });
        break;
      default:
        body satisfies never;
    }
  }

  #invalid(channel: Channel, problem: string, raw: unknown): void {
    const envelope = (typeof raw === 'object' && raw !== null ? raw : {}) as { src?: unknown; body?: { msg_id?: unknown; type?: unknown } };
    const type = envelope.body?.type;
    const unknownType = typeof type === 'string' && !RequestBody.options.some((option) => option.shape.type.value === type);
    logEvent(this.parts.log, unknownType ? 'unsupported message' : 'malformed message', { problem, message: raw });
    const msgId = envelope.body?.msg_id;
    if (typeof envelope.src !== 'string' || !Number.isSafeInteger(msgId) || (msgId as number) < 0) return;
    const reply: ErrorBody = {
      type: 'error',
      code: unknownType ? 'not_supported' : 'malformed_message',
      definite: true,
      text: unknownType ? `unknown message type ${JSON.stringify(type)}` : problem,
      in_reply_to: msgId as number,
    };
    channel.send({ src: channel.address, dest: envelope.src, body: reply });
  }
}

import type { Channel } from './channel.js';
import type { Envelope } from './messages.js';

/** A node the relay can reach: its channel while it is up, and which incarnation that is. */
export interface RelayPeer {
  readonly name: string;
  readonly channel: Channel | undefined;
  readonly incarnation: number | undefined;
}

export interface RelayOptions {
  /** A message addressed to no known node: it is answered with an error, and this is told. */
  onUndeliverable?(from: RelayPeer, message: Envelope): void;
  /** Changes a request on its way (the client asks owners about ids as of now, outside any run). */
  rewrite?(message: Envelope): Envelope;
}

/**
 * Nodes talk only to whoever relays for them: the orchestrator in a run, the
 * dbsim client for `send`. It forwards what one node addresses to another
 * (orders-node's lookups to users and products) and routes the answers back.
 * A relayed request stays on record until answered, so a node that restarts
 * gets again every request its previous incarnation took to its grave, and an
 * answer to an asker that has restarted since is dropped.
 */
export class Relay {
  readonly #relayed = new Map<string, { message: Envelope; from: number | undefined }>();

  constructor(
    private readonly peers: ReadonlyMap<string, RelayPeer>,
    private readonly options: RelayOptions = {},
  ) {}

  /** Everything a peer sends that is not a reply to the relay's own requests comes here. */
  route(from: RelayPeer, message: Envelope): void {
    const target = this.peers.get(message.dest);
    const { body } = message;
    if (target === undefined) {
      this.options.onUndeliverable?.(from, message);
      if ('msg_id' in body) {
        from.channel?.send({
          src: message.dest,
          dest: message.src,
          body: { type: 'error', in_reply_to: body.msg_id, code: 'not_supported', definite: true, text: `no node ${message.dest} here` },
        });
      }
      return;
    }
    if ('msg_id' in body) {
      const request = this.options.rewrite?.(message) ?? message;
      this.#relayed.set(key(message.src, body.msg_id), { message: request, from: from.incarnation });
      target.channel?.send(request);
      return;
    }
    if (!('in_reply_to' in body) || body.in_reply_to === undefined) return; // a notification: nothing waits for it
    const asked = this.#relayed.get(key(message.dest, body.in_reply_to));
    if (asked === undefined || asked.from !== target.incarnation) return; // answered already, or its asker has died since
    this.#relayed.delete(key(message.dest, body.in_reply_to));
    target.channel?.send(message);
  }

  /** A peer came back: requests to it are sent again, and those its dead incarnation asked are forgotten. */
  restarted(peer: RelayPeer): void {
    for (const [id, { message, from }] of this.#relayed) {
      if (message.src === peer.name && from !== peer.incarnation) this.#relayed.delete(id);
      else if (message.dest === peer.name) peer.channel?.send(message);
    }
  }
}

const key = (asker: string, msgId: number) => `${asker}#${msgId}`;

import type { Logger } from '@dbsim/logger';
import { type Envelope, NODES, type NodeName, ORCHESTRATOR } from '@dbsim/protocol';
import type { Launch } from './links.js';
import { NodeHandle, type SupervisionOptions } from './node-handle.js';

interface Relayed {
  message: Envelope;
  /** The sender's incarnation: a reply to a sender that has since restarted is dropped. */
  from: number | undefined;
}

/**
 * The three nodes of a run. Nodes only talk to the orchestrator, which
 * relays what one node addresses to another: the lookups orders-node sends
 * to users and products, and their answers. A relayed request stays on
 * record until answered, so a node that restarts gets again every request
 * its previous incarnation took to its grave.
 */
export class Cluster {
  readonly nodes: Record<NodeName, NodeHandle>;
  readonly #relayed = new Map<string, Relayed>();

  constructor(
    launches: Record<NodeName, Launch>,
    options: SupervisionOptions,
    private readonly log: Logger,
  ) {
    this.nodes = Object.fromEntries(NODES.map((name) => [name, new NodeHandle(name, launches[name], options)])) as Record<
      NodeName,
      NodeHandle
    >;
    for (const node of Object.values(this.nodes)) {
      node.onMessage((message) => this.#relay(node, message)).onRestart(() => this.#restarted(node));
    }
  }

  #relay(from: NodeHandle, message: Envelope): void {
    const target = (this.nodes as Record<string, NodeHandle | undefined>)[message.dest];
    const { body } = message;
    if (target === undefined || message.dest === ORCHESTRATOR) {
      this.log.warn({ from: from.name, dest: message.dest, type: body.type }, 'message for an unknown node dropped');
      if ('msg_id' in body) {
        from.channel?.send({
          src: ORCHESTRATOR,
          dest: message.src,
          body: { type: 'error', in_reply_to: body.msg_id, code: 'not_supported', definite: true, text: `no node ${message.dest}` },
        });
      }
      return;
    }
    if ('msg_id' in body) {
      this.#relayed.set(`${message.src}#${body.msg_id}`, { message, from: from.incarnation });
      target.channel?.send(message);
      return;
    }
    if (!('in_reply_to' in body)) return; // a notification: nothing waits for it
    const key = `${message.dest}#${body.in_reply_to}`;
    const request = this.#relayed.get(key);
    if (request === undefined || request.from !== target.incarnation) return; // its asker has died since
    this.#relayed.delete(key);
    target.channel?.send(message);
  }

  #restarted(node: NodeHandle): void {
    for (const [key, { message, from }] of this.#relayed) {
      if (message.src === node.name && from !== node.incarnation) this.#relayed.delete(key);
      else if (message.dest === node.name) node.channel?.send(message);
    }
  }

  /** Asks every node to finish and close its database. */
  async stop(): Promise<void> {
    await Promise.all(Object.values(this.nodes).map((node) => node.stop()));
  }
}

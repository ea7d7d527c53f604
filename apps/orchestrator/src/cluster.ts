import type { Logger } from '@dbsim/logger';
import { type Envelope, NODES, type NodeName, ORCHESTRATOR } from '@dbsim/protocol';
import { NodeProcess } from './node-process.js';

const SHUTDOWN_GRACE_MS = 10_000;

/**
 * The three nodes of a run. Nodes only talk to the orchestrator, which
 * relays what one node addresses to another: the lookups orders-node sends
 * to users and products, and their answers.
 */
export class Cluster {
  readonly nodes: Record<NodeName, NodeProcess>;

  constructor(dir: string, log: Logger, onLogLine: (line: string) => void) {
    this.nodes = Object.fromEntries(NODES.map((name) => [name, new NodeProcess(name, dir, onLogLine)])) as Record<NodeName, NodeProcess>;
    for (const node of Object.values(this.nodes)) {
      node.channel
        .onMessage((message) => this.#relay(node, message, log))
        .onInvalid((problem) => log.warn({ from: node.name, problem }, 'invalid message from node'));
    }
  }

  #relay(from: NodeProcess, message: Envelope, log: Logger): void {
    const target = (this.nodes as Record<string, NodeProcess>)[message.dest];
    if (target !== undefined && message.dest !== ORCHESTRATOR) {
      target.channel.send(message);
      return;
    }
    log.warn({ from: from.name, dest: message.dest, type: message.body.type }, 'message for an unknown node dropped');
    if ('msg_id' in message.body) {
      from.channel.send({
        src: ORCHESTRATOR,
        dest: message.src,
        body: { type: 'error', in_reply_to: message.body.msg_id, code: 'not_supported', definite: true, text: `no node ${message.dest}` },
      });
    }
  }

  /** Asks every node to finish and close its database; a node that does not within the grace period is killed. */
  async shutdown(): Promise<void> {
    await Promise.all(
      Object.values(this.nodes).map(async (node) => {
        const timer = setTimeout(() => node.kill(), SHUTDOWN_GRACE_MS);
        await node.request({ type: 'shutdown' }).catch(() => {});
        await node.exited;
        clearTimeout(timer);
      }),
    );
  }

  kill(): void {
    for (const node of Object.values(this.nodes)) node.kill();
  }
}

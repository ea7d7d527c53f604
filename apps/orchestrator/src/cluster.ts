import { type Logger, logEvent } from '@dbsim/logger';
import { type NodeName, perNode, perNodeAsync, processName, Relay } from '@dbsim/protocol';
import type { Delivery, Launch } from './launch.js';
import { type SupervisionOptions, Supervisor } from './supervisor.js';

export interface Cluster {
  nodes: Record<NodeName, Supervisor>;
  /** Asks every node to finish and close its database; says how far each one's streams got, where it could. */
  stop(): Promise<Record<NodeName, Delivery | undefined>>;
}

/**
 * The three nodes of a run, each under supervision, joined by the relay:
 * nodes only talk to the orchestrator, which forwards what one addresses to
 * another (orders-node's lookups to users and products, and their answers).
 */
export function startCluster(launches: Record<NodeName, Launch>, options: SupervisionOptions, log: Logger): Cluster {
  const nodes = perNode((name) => new Supervisor(name, launches[name], options));
  const relay = new Relay(new Map(Object.values(nodes).map((node) => [node.name, node])), {
    onUndeliverable: (from, message) =>
      logEvent(log, 'message for an unknown node dropped', {
        target: processName(from.name as NodeName),
        dest: message.dest,
        type: message.body.type,
      }),
  });
  for (const node of Object.values(nodes)) {
    node.onMessage((message) => relay.route(node, message)).onRestart(() => relay.restarted(node));
  }
  return {
    nodes,
    stop: () => perNodeAsync((node) => nodes[node].stop()),
  };
}

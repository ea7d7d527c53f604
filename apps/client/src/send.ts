import { type Address, type Channel, type Envelope, NODES, type NodeName, Relay, type RelayPeer } from '@dbsim/protocol';
import { open } from './target.js';

export interface RowOutcome {
  position: number;
  id: unknown;
  reasons: string[];
}

/** Outside any run, an owner answers about ids as they stand now, not once some producer's stream has ended. */
function asOfNow(message: Envelope): Envelope {
  const { body } = message;
  return body.type === 'lookup' ? { ...message, body: { type: 'lookup', msg_id: body.msg_id, ids: body.ids } } : message;
}

/**
 * Inserts rows as a producer of their own, one sealed batch, and reads back
 * each row's fate. The client relays what the node asks of its peers
 * (orders-node's lookups) to those that run at their sockets, as the
 * orchestrator does in a run.
 */
export async function send(channel: Channel, target: string, rows: unknown[], peers: (name: NodeName) => Address): Promise<RowOutcome[]> {
  const hello = await channel.request(target, { type: 'hello' });
  const node: RelayPeer = { name: hello.node, channel, incarnation: 0 };
  const reachable = await Promise.all(
    NODES.filter((name) => name !== hello.node).map((name) =>
      open(peers(name)).then(
        (peer): RelayPeer => ({ name, channel: peer, incarnation: 0 }),
        () => undefined,
      ),
    ),
  );
  const all = [node, ...reachable.filter((peer) => peer !== undefined)];
  const relay = new Relay(new Map(all.map((peer) => [peer.name, peer])), { rewrite: asOfNow });
  for (const peer of all) peer.channel?.onMessage((message) => relay.route(peer, message));
  try {
    const producer = hello.producer + 1;
    await channel.request(hello.node, { type: 'insert', producer, offset: 0, rows, seal: true });
    const { rejections } = await channel.request(hello.node, { type: 'rejections', producer, after: -1, limit: Math.max(rows.length, 1) });
    const rejected = new Map(rejections.map((r) => [r.position, r.reasons]));
    return rows.map((row, position) => ({ position, id: (row as { id?: unknown } | null)?.id, reasons: rejected.get(position) ?? [] }));
  } finally {
    for (const peer of reachable) peer?.channel?.close();
  }
}

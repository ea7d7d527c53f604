import { type Address, type Channel, type Envelope, formatAddress, type NodeName } from '@dbsim/protocol';
import { open } from './target.js';

export interface RowOutcome {
  position: number;
  id: unknown;
  reasons: string[];
}

/**
 * Inserts rows as a producer of their own, one sealed batch, and reads back
 * each row's fate. orders-node's reference lookups are relayed to the owning
 * nodes' sockets in `peers`, answered from what those nodes hold now.
 */
export async function send(channel: Channel, node: string, rows: unknown[], peers: (name: NodeName) => Address): Promise<RowOutcome[]> {
  channel.onMessage((message) => void relayLookup(channel, message, peers));
  const hello = await channel.request(node, { type: 'hello' });
  const producer = hello.producer + 1;
  await channel.request(node, { type: 'insert', producer, offset: 0, rows, seal: true });
  const { rejections } = await channel.request(node, { type: 'rejections', producer, after: -1, limit: Math.max(rows.length, 1) });
  const rejected = new Map(rejections.map((r) => [r.position, r.reasons]));
  return rows.map((row, position) => ({
    position,
    id: (row as { id?: unknown } | null)?.id,
    reasons: rejected.get(position) ?? [],
  }));
}

async function relayLookup(channel: Channel, message: Envelope, peers: (name: NodeName) => Address): Promise<void> {
  const { body } = message;
  if (body.type !== 'lookup') return;
  const owner = message.dest as NodeName;
  let reply: Envelope['body'];
  try {
    const peer = await open(peers(owner));
    try {
      const { found } = await peer.request(owner, { type: 'lookup', ids: body.ids });
      reply = { type: 'lookup_ok', found, in_reply_to: body.msg_id };
    } finally {
      peer.close();
    }
  } catch (error) {
    const text = `${owner}-node at ${formatAddress(peers(owner))}: ${(error as Error).message}`;
    reply = { type: 'error', code: 'unavailable', definite: true, text, in_reply_to: body.msg_id };
  }
  channel.send({ src: owner, dest: message.src, body: reply });
}

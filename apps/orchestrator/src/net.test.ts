import { Duplex, PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Message } from '@dbsim/history';
import { EncodedRows, encodeLine } from '@dbsim/protocol';
import { describe, expect, it } from 'vitest';
import { Net, type NetworkFaults } from './net.js';

const none: NetworkFaults = { drop: 0, duplicate: 0, reorder: 0, latencyMs: 0 };

/** A node's link through the net: what the orchestrator writes reaches `node`, and what the node writes comes back. */
function link(net: Net, node: 'users' | 'orders' = 'users') {
  const toNode = new PassThrough();
  const fromNode = new PassThrough();
  const linked = net.link(node, Duplex.from({ readable: fromNode, writable: toNode }));
  return { linked, fromNode, atNode: lines(toNode), atOrchestrator: lines(linked) };
}

/** The lines a stream carries, each once it has come whole. */
function lines(stream: Duplex): string[] {
  const whole: string[] = [];
  let rest = '';
  stream.on('data', (chunk: Buffer) => {
    const parts = `${rest}${chunk}`.split('\n');
    rest = parts.pop() ?? '';
    whole.push(...parts.filter(Boolean));
  });
  return whole;
}

const message = (i: number, msgId = i) => `{"src":"orchestrator","dest":"users","body":{"type":"lookup","msg_id":${msgId},"ids":[${i}]}}`;

/** Sends `count` different messages to the node and waits until every delay has passed. */
async function send(net: Net, count: number, msgId = (i: number) => i) {
  const at = link(net);
  for (let i = 0; i < count; i++) at.linked.write(`${message(i, msgId(i))}\n`);
  await sleep(120);
  return at;
}

describe('Net', () => {
  it('passes every message through at once, in order, until it is started', async () => {
    const net = new Net({ seed: 1, faults: { drop: 0.5, duplicate: 0.5, reorder: 0.5, latencyMs: 50 } });
    const { linked, atNode } = link(net);
    for (let i = 0; i < 100; i++) linked.write(`${message(i)}\n`);
    expect(atNode).toEqual(Array.from({ length: 100 }, (_, i) => message(i)));
  });

  it('drops, duplicates and reorders about the share of messages asked, and counts each', async () => {
    const net = new Net({ seed: 7, faults: { drop: 0.1, duplicate: 0.1, reorder: 0.2, latencyMs: 0 } });
    net.start();
    const { atNode } = await send(net, 2000);
    const { dropped, duplicated, reordered } = net.counts.users;
    for (const [n, share] of [
      [dropped, 0.1],
      [duplicated, 0.09],
      [reordered, 0.18],
    ] as const)
      expect(n / 2000).toBeCloseTo(share, 1);
    expect(atNode).toHaveLength(2000 - dropped + duplicated);
    expect(new Set(atNode).size).toBe(2000 - dropped);
    expect(atNode).not.toEqual([...atNode].sort((a, b) => Number(/\[(\d+)\]/.exec(a)?.[1]) - Number(/\[(\d+)\]/.exec(b)?.[1])));
  });

  it('delivers each copy of an insert it duplicates and delays whole, its rows shared', async () => {
    const net = new Net({ seed: 3, faults: { drop: 0, duplicate: 1, reorder: 0, latencyMs: 20 } });
    net.start();
    const { linked, atNode } = link(net);
    const rows = EncodedRows.of([{ id: 1, name: 'a' }]);
    const insert = (msgId: number) =>
      encodeLine({
        src: 'orchestrator',
        dest: 'users',
        body: { type: 'insert', msg_id: msgId, producer: 1, offset: 0, seal: false, rows },
      });
    for (const msgId of [1, 2]) linked.write(insert(msgId));
    await sleep(120);
    expect(net.counts.users.duplicated).toBe(2);
    expect(atNode.map((line) => JSON.parse(line).body.msg_id).sort()).toEqual([1, 1, 2, 2]);
    for (const line of atNode) expect(JSON.parse(line).body.rows).toEqual([{ id: 1, name: 'a' }]);
  });

  it('hands an insert’s rows back once every copy it duplicated and delayed is written, or lost to a partition', async () => {
    for (const cut of [false, true]) {
      const net = new Net({ seed: 3, faults: { drop: 0, duplicate: 1, reorder: 0, latencyMs: 20 } });
      net.start();
      const { linked, atNode } = link(net);
      let handedBack = 0;
      const rows = new EncodedRows(Buffer.from('[{"id":1}]'), 1, () => handedBack++);
      linked.write(
        encodeLine({ src: 'orchestrator', dest: 'users', body: { type: 'insert', msg_id: 1, producer: 1, offset: 0, seal: false, rows } }),
      );
      if (cut) net.partition('users', 1000);
      rows.release(); // acknowledged: the sender lets go, with both copies still on their way
      expect(handedBack).toBe(0);
      await sleep(120);
      expect(atNode).toHaveLength(cut ? 0 : 2);
      expect(handedBack).toBe(1);
    }
  });

  it('does the same to the same message whatever its msg_id or when it comes, and not always to a message sent again', async () => {
    const faults = { drop: 0.3, duplicate: 0.3, reorder: 0, latencyMs: 0 };
    const fates = async (msgId: (i: number) => number) => {
      const net = new Net({ seed: 5, faults: faults });
      net.start();
      const { atNode } = await send(net, 300, msgId);
      return atNode.map((line) => line.replace(/"msg_id":\d+/, ''));
    };
    expect(await fates((i) => i)).toEqual(await fates((i) => 1_000_000 + 7 * i));
    // Sent twice, the same message is its own second attempt: dropped both times much less often than once.
    const net = new Net({ seed: 5, faults: { ...faults, duplicate: 0 } });
    net.start();
    const { linked, atNode } = link(net);
    for (let i = 0; i < 300; i++) linked.write(`${message(i)}\n`);
    for (let i = 0; i < 300; i++) linked.write(`${message(i)}\n`);
    await sleep(20);
    const lostTwice = Array.from({ length: 300 }, (_, i) => i).filter((i) => !atNode.includes(message(i)));
    expect(lostTwice.length).toBeLessThan(300 * 0.3 * 0.6);
  });

  it('delays each message by at most the latency asked, and every message still arrives', async () => {
    const net = new Net({ seed: 3, faults: { ...none, latencyMs: 40 } });
    net.start();
    const { linked, atNode } = link(net);
    for (let i = 0; i < 50; i++) linked.write(`${message(i)}\n`);
    expect(atNode.length).toBeLessThan(50);
    await sleep(80);
    expect(atNode.sort()).toEqual(Array.from({ length: 50 }, (_, i) => message(i)).sort());
  });

  it('cuts a partitioned link both ways, losing what is sent meanwhile, and heals it', async () => {
    const net = new Net({ seed: 3, faults: none });
    net.start();
    const { linked, fromNode, atNode, atOrchestrator } = link(net);
    net.partition('users', 50);
    linked.write(`${message(1)}\n`);
    fromNode.write(`${message(2)}\n`);
    await sleep(80);
    linked.write(`${message(3)}\n`);
    fromNode.write(`${message(4)}\n`);
    await sleep(10);
    expect(atNode).toEqual([message(3)]);
    expect(atOrchestrator).toEqual([message(4)]);
    expect(net.counts.users.cut).toBe(2);
  });

  it('records every message once, with when it was sent and received: one between two nodes as one, though relayed', async () => {
    const recorded: Message[] = [];
    const net = new Net(undefined, (message) => recorded.push(message));
    const users = link(net, 'users');
    const orders = link(net, 'orders');
    users.linked.write(`${message(1)}\n`);
    users.fromNode.write('{"src":"users","dest":"orchestrator","body":{"in_reply_to":1,"type":"lookup_ok","missing":[]}}\n');
    const lookup = '{"src":"orders","dest":"users","body":{"msg_id":9,"type":"lookup","ids":[1]}}';
    orders.fromNode.write(`${lookup}\n`);
    await sleep(30);
    expect(orders.atOrchestrator).toEqual([lookup]);
    users.linked.write(`${lookup}\n`); // as the relay passes it on
    await sleep(5);
    expect(recorded.map(({ from, to, type, id }) => [from, to, type, id])).toEqual([
      ['orchestrator', 'users', 'lookup', 1],
      ['users', 'orchestrator', 'lookup_ok', 1],
      ['orders', 'users', 'lookup', 9],
    ]);
    for (const { sent, received } of recorded) expect(received).toBeGreaterThanOrEqual(sent);
    // Sent when it reached the orchestrator, received when passed on 30 ms later: timers may fire late, never early.
    expect((recorded[2]?.received ?? 0) - (recorded[2]?.sent ?? 0)).toBeGreaterThanOrEqual(15);
  });

  /**
   * A link that takes each write whole only when told to (take), as a busy
   * pipe would: no test waits on a clock. `written` names each line's type
   * and msg_id; a writev (an insert's parts, and what waited behind a write)
   * is one write, as on a socket.
   */
  function slowNode() {
    const written: string[] = [];
    const waiting: (() => void)[] = [];
    const take = (chunk: Buffer, done: () => void) => {
      for (const [, type, id] of String(chunk).matchAll(/"type":"(\w+)","msg_id":(\d+)/g)) written.push(`${type} ${id}`);
      waiting.push(done);
    };
    const node = new Duplex({
      read() {},
      write: (chunk: Buffer, _encoding, done) => take(chunk, done),
      writev: (chunks, done) => take(Buffer.concat(chunks.map(({ chunk }) => chunk as Buffer)), done),
    });
    return {
      node,
      written,
      /** Takes the write in progress whole, and lets what follows it come. */
      async take() {
        waiting.shift()?.();
        await new Promise(setImmediate);
      },
    };
  }
  const insert = (offset: number) =>
    encodeLine({
      src: 'orchestrator',
      dest: 'users',
      body: { type: 'insert', msg_id: offset, producer: 1, offset, seal: false, rows: EncodedRows.of([{ id: offset }]) },
    });

  it('lets other messages overtake the inserts waiting for the link, and keeps the inserts in order', async () => {
    const { node, written, take } = slowNode();
    const recorded: Message[] = [];
    const linked = new Net(undefined, (message) => recorded.push(message)).link('users', node);
    for (const offset of [0, 1, 2]) linked.write(insert(offset));
    linked.write(`${message(9)}\n`);
    await new Promise(setImmediate);
    // An insert is received, as the history draws it, once the link has taken it whole.
    expect(recorded.map(({ type, id }) => `${type} ${id}`)).toEqual(['lookup 9']);
    expect(written).toEqual(['insert 0']);
    for (let taken = 0; taken < 4; taken++) await take();
    expect(written).toEqual(['insert 0', 'lookup 9', 'insert 1', 'insert 2']);
    expect(recorded.map(({ type, id }) => `${type} ${id}`)).toEqual(['lookup 9', 'insert 0', 'insert 1', 'insert 2']);
  });

  it('sends the inserts still waiting before it closes the link', async () => {
    const { node, written, take } = slowNode();
    const linked = new Net(undefined).link('users', node);
    for (const offset of [0, 1, 2]) linked.write(insert(offset));
    linked.end();
    const finished = new Promise((resolve) => node.on('finish', resolve));
    for (let taken = 0; taken < 3; taken++) await take();
    await finished;
    expect(written).toEqual(['insert 0', 'insert 1', 'insert 2']);
  });
});

import { Duplex, PassThrough } from 'node:stream';
import { createLogger } from '@dbsim/logger';
import { Channel, type Envelope, RemoteError } from '@dbsim/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Router } from './router.js';
import type { NodeStore } from './store.js';
import { testNode } from './test-table.js';
import { answers, openTempStore } from './testing.js';

function duplexPair(): [Duplex, Duplex] {
  const ab = new PassThrough();
  const ba = new PassThrough();
  return [Duplex.from({ readable: ba, writable: ab }), Duplex.from({ readable: ab, writable: ba })];
}

let store: NodeStore;
let cleanup: () => void;
let client: Channel;
let clientEnd: Duplex;
let logs: Record<string, unknown>[];
/** The owners users-node would say it holds; undefined makes lookups fail, 'silent' leaves them unanswered. */
let owners: Set<number> | undefined | 'silent';
/** Owners users-node cannot decide yet, as its stream is still open: a partial lookup names them, a waiting one sees them missing. */
let undecidedOwners: Set<number>;
/** The ids of each lookup the relay below answered, in order. */
let lookedUp: number[][];
let log: ReturnType<typeof createLogger>;

beforeEach(() => {
  ({ store, cleanup } = openTempStore(testNode));
  logs = [];
  owners = new Set([1]);
  undecidedOwners = new Set();
  lookedUp = [];
  log = createLogger('orders-node', { write: (line: string) => logs.push(JSON.parse(line)) });
  const [a, b] = duplexPair();
  clientEnd = a;
  client = new Channel('orchestrator', a);
  Router.serving(store, log, parts).attach(new Channel('orders', b));
  // Plays the orchestrator relaying orders-node's lookups to a users node.
  client.onMessage((message: Envelope) => {
    const { body } = message;
    if (body.type !== 'lookup' || owners === 'silent') return;
    lookedUp.push(body.ids);
    const reply =
      owners === undefined
        ? { type: 'error' as const, code: 'unavailable' as const, definite: false, text: 'users down', in_reply_to: body.msg_id }
        : {
            type: 'lookup_ok' as const,
            missing: body.ids.filter((id) => !(owners as Set<number>).has(id) && !(body.partial && undecidedOwners.has(id))),
            undecided: body.partial ? body.ids.filter((id) => undecidedOwners.has(id)) : undefined,
            in_reply_to: body.msg_id,
          };
    client.send({ src: 'users', dest: message.src, body: reply });
  });
});
afterEach(() => {
  client.close();
  cleanup();
});

const rows = [
  { id: 1, label: 'a', owner_id: 1 },
  { id: 2, label: 'b', owner_id: 2 },
  { id: 1, label: 'c', owner_id: 1 },
];
const rejected = () => logs.filter((line) => line.msg === 'row rejected');

function reply(): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    clientEnd.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString()).body));
  });
}

/** A database error the node cannot answer for fails the test that meets it. */
const parts = {
  onShutdown: () => {},
  onFatal: (error: unknown) => {
    throw error;
  },
};

describe('a node serving the protocol', () => {
  it('applies an insert after asking the owning node, and logs each rejected row once', async () => {
    const ack = await client.request('orders', { type: 'insert', producer: 1, offset: 0, rows });
    expect(ack).toMatchObject({ type: 'insert_ok', offset: 0, count: 3, inserted: 1, rejected: 2 });
    expect(rejected()).toEqual([
      expect.objectContaining({
        level: 40,
        name: 'orders-node',
        table: 'things',
        id: 2,
        position: 1,
        reasons: ['user_missing'],
        row: rows[1],
      }),
      expect.objectContaining({ level: 40, table: 'things', id: 1, position: 2, reasons: ['id_duplicate'], row: rows[2] }),
    ]);
  });

  it('asks about the references of the next two batches to apply only: a batch further ahead asks once its turn comes near', async () => {
    const asked: Envelope[] = [];
    client.onMessage((message) => {
      if (message.body.type === 'lookup') asked.push(message);
    });
    const askedFor = () => asked.map(({ body }) => (body.type === 'lookup' ? body.ids : []));
    const acks = [0, 1, 2, 3].map((offset) =>
      client.request('orders', {
        type: 'insert',
        producer: 1,
        offset,
        rows: [{ id: offset + 1, label: `row ${offset}`, owner_id: 10 + offset }],
      }),
    );
    await vi.waitFor(() => expect(askedFor()).toEqual([[10], [11], [12]]), { timeout: 10_000 });
    // The first batch applies, once answered; only then is the fourth among the next two.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(askedFor()).toEqual([[10], [11], [12]]);
    const answer = (message: Envelope) =>
      client.send({
        src: 'users',
        dest: message.src,
        body: { type: 'lookup_ok', missing: [], in_reply_to: (message.body as { msg_id: number }).msg_id },
      });
    answer(asked[0] as Envelope);
    await vi.waitFor(() => expect(askedFor()).toEqual([[10], [11], [12], [13]]), { timeout: 10_000 });
    for (const message of asked.slice(1)) answer(message);
    expect((await Promise.all(acks)).map((ack) => ack.inserted)).toEqual([1, 1, 1, 1]);
  });

  it('never takes a reference it did not ask about for one the owner holds: the owner names only the ids it does not', async () => {
    // The owner misses nothing it is asked; ids that are no record id are never asked.
    owners = new Set([1, 2, 3, 4]);
    const odd = [
      { id: 1, label: 'a', owner_id: 0 },
      { id: 2, label: 'b', owner_id: -1 },
      { id: 3, label: 'c', owner_id: 1.5 },
      { id: 4, label: 'd', owner_id: 4 },
    ];
    const ack = await client.request('orders', { type: 'insert', producer: 1, offset: 0, rows: odd });
    expect(ack).toMatchObject({ inserted: 1, rejected: 3 });
    expect(rejected().map((line) => [line.id, line.reasons])).toEqual([
      [1, ['user_missing']],
      [2, ['user_missing']],
      [3, ['user_missing']],
    ]);
  });

  it('does not ask again about an id the owner said it holds, until another producer’s stream', async () => {
    owners = new Set([1, 2]);
    undecidedOwners = new Set([3]);
    const insert = (producer: number, offset: number, refs: number[]) =>
      client.request('orders', {
        type: 'insert',
        producer,
        offset,
        rows: refs.map((owner, i) => ({ id: 100 * producer + offset + i, label: `${producer}-${offset + i}`, owner_id: owner })),
      });
    expect(await insert(1, 0, [1, 3, 4])).toMatchObject({ inserted: 1, rejected: 1, deferred: 1 });
    // 1 is held; 3 was undecided and 4 missing, so they are asked again.
    expect(await insert(1, 3, [1, 2, 3, 4])).toMatchObject({ inserted: 2, rejected: 1, deferred: 1 });
    expect(await insert(1, 7, [1, 2])).toMatchObject({ inserted: 2 });
    expect(await insert(2, 0, [1])).toMatchObject({ inserted: 1 });
    expect(lookedUp).toEqual([[1, 3, 4], [2, 3, 4], [1]]);
  });

  it('learns what an owner holds only from batches it applied, and forgets it on a reset', async () => {
    const order = (offset: number, id: number) =>
      client.request('orders', { type: 'insert', producer: 1, offset, rows: [{ id, label: `o${id}`, owner_id: 1 }] });
    // Refused as out of order, after its lookup was answered: what the answer said is not taken for known.
    await expect(order(5, 50)).rejects.toThrow(/out_of_order/);
    expect(await order(0, 1)).toMatchObject({ inserted: 1 });
    expect(await order(1, 2)).toMatchObject({ inserted: 1 });
    expect(lookedUp).toEqual([[1], [1]]);
    // A fresh run empties every table, and may number its stream as this one was.
    const { producer, offset, sealed } = await client.request('orders', { type: 'hello' });
    await client.request('orders', { type: 'reset', producer, offset, sealed });
    owners = new Set();
    expect(await order(0, 1)).toMatchObject({ inserted: 0, rejected: 1 });
    expect(lookedUp).toEqual([[1], [1], [1]]);
  });

  it('answers a redelivered insert with the same outcome and logs nothing again', async () => {
    const first = await client.request('orders', { type: 'insert', producer: 1, offset: 0, rows });
    const again = await client.request('orders', { type: 'insert', producer: 1, offset: 0, rows });
    expect({ ...again, in_reply_to: 0 }).toEqual({ ...first, in_reply_to: 0 });
    expect(rejected()).toHaveLength(2);
    expect(store.reads.counts()).toEqual({ rows: 1, rejected: 2 });
  });

  it('refuses an insert whose reference check failed, definitely, with nothing applied', async () => {
    owners = undefined;
    const failure = client.request('orders', { type: 'insert', producer: 1, offset: 0, rows });
    await expect(failure).rejects.toThrow(RemoteError);
    await expect(failure).rejects.toMatchObject({ body: { code: 'unavailable', definite: true } });
    expect(store.reads.counts()).toEqual({ rows: 0, rejected: 0 });
  });

  it('answers a malformed message with an error and a warn log, and keeps serving', async () => {
    const answer = reply();
    clientEnd.write('{"src":"orchestrator","dest":"orders","body":{"type":"insert","msg_id":7,"producer":-1}}\n');
    expect(await answer).toMatchObject({ type: 'error', in_reply_to: 7, code: 'malformed_message', definite: true });
    expect(logs.at(-1)).toMatchObject({ level: 40, msg: 'malformed message' });
    expect(await client.request('orders', { type: 'hello' })).toMatchObject({ type: 'hello_ok', node: 'orders' });
  });

  it('answers an unknown message type with not_supported', async () => {
    const answer = reply();
    clientEnd.write('{"src":"orchestrator","dest":"orders","body":{"type":"drop_table","msg_id":3}}\n');
    expect(await answer).toMatchObject({ type: 'error', in_reply_to: 3, code: 'not_supported' });
    expect(logs.at(-1)).toMatchObject({ level: 40, msg: 'unsupported message' });
  });

  it('takes a repeat of a request it is still handling for none: a lookup waiting for a stream to end is answered once', async () => {
    const answers: Record<string, unknown>[] = [];
    clientEnd.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) answers.push(JSON.parse(line).body);
    });
    const lookup = '{"src":"users","dest":"orders","body":{"type":"lookup","msg_id":42,"producer":1,"ids":[1]}}\n';
    clientEnd.write(lookup);
    clientEnd.write(lookup);
    await client.request('orders', { type: 'insert', producer: 1, offset: 0, rows: rows.slice(0, 1) });
    await client.request('orders', { type: 'insert', producer: 1, offset: 1, rows: [], seal: true });
    await new Promise((resolve) => setImmediate(resolve));
    expect(answers.filter((body) => body.in_reply_to === 42)).toEqual([{ type: 'lookup_ok', in_reply_to: 42, missing: [] }]);
    // Answered, the same request is a new one: every request is idempotent, and its answer the same.
    clientEnd.write(lookup);
    await client.request('orders', { type: 'hello' });
    expect(answers.filter((body) => body.in_reply_to === 42)).toHaveLength(2);
  });

  it('resets only while its streams stand where the run saw them: a reset that comes late does nothing', async () => {
    await client.request('orders', { type: 'insert', producer: 1, offset: 0, rows });
    const seen = await client.request('orders', { type: 'hello' });
    const late = { type: 'reset' as const, producer: 0, offset: 0, sealed: false };
    expect(await client.request('orders', late)).toMatchObject({ producer: 1, offset: 3 });
    expect(store.reads.counts()).toEqual({ rows: 1, rejected: 2 });
    const { producer, offset, sealed } = seen;
    expect(await client.request('orders', { type: 'reset', producer, offset, sealed })).toMatchObject({ producer: 0, offset: 0 });
    expect(store.reads.counts()).toEqual({ rows: 0, rejected: 0 });
  });

  it('logs a line that is not JSON and carries on', async () => {
    clientEnd.write('this is not json\n');
    expect(await client.request('orders', { type: 'hello' })).toMatchObject({ type: 'hello_ok' });
    expect(logs).toContainEqual(expect.objectContaining({ level: 40, msg: 'malformed message', problem: 'not JSON' }));
  });

  it('reports stats and pages of rejections for a producer', async () => {
    await client.request('orders', { type: 'insert', producer: 1, offset: 0, rows });
    expect(await client.request('orders', { type: 'stats', producer: 1 })).toMatchObject({
      received: 3,
      inserted: 1,
      rejected: 2,
      reasons: { id_duplicate: 1, user_missing: 1 },
    });
    const page = await client.request('orders', { type: 'rejections', producer: 1, after: 1, limit: 10 });
    expect(page.rejections).toEqual([
      { position: 2, id: 1, reasons: ['id_duplicate'], takenBy: { id_duplicate: 1 }, row: JSON.stringify(rows[2]) },
    ]);
  });

  it('holds back a row the owner cannot decide yet and decides it with the sealing batch, logging it then', async () => {
    undecidedOwners = new Set([2]);
    const first = await client.request('orders', { type: 'insert', producer: 1, offset: 0, rows });
    expect(first).toMatchObject({ inserted: 1, rejected: 1, deferred: 1 });
    expect(rejected().map((line) => [line.batch, line.position])).toEqual([[0, 2]]);
    const seal = await client.request('orders', { type: 'insert', producer: 1, offset: 3, rows: [], seal: true });
    expect(seal).toMatchObject({ count: 0, inserted: 0, rejected: 0, deferred: 0 });
    expect(await client.request('orders', { type: 'stats', producer: 1 })).toMatchObject({ received: 3, inserted: 1, rejected: 2 });
    expect(rejected().map((line) => [line.batch, line.position, line.reasons])).toEqual([
      [0, 2, ['id_duplicate']],
      [3, 1, ['user_missing']],
    ]);
  });

  it('asks about the pages of held-back rows ahead at once at the seal, and decides them in stream order however they are answered', async () => {
    undecidedOwners = new Set([2]);
    // Three pages of held-back rows (5,000 a page); the last row's label repeats the first's.
    const held = Array.from({ length: 12_000 }, (_, i) => ({ id: i + 1, label: i === 11_999 ? 'L0' : `l${i}`, owner_id: 2 }));
    expect(await client.request('orders', { type: 'insert', producer: 1, offset: 0, rows: held })).toMatchObject({ deferred: 12_000 });
    const asked: Envelope[] = [];
    client.onMessage((message) => {
      if (message.body.type === 'lookup') asked.push(message);
    });
    const seal = client.request('orders', { type: 'insert', producer: 1, offset: 12_000, rows: [], seal: true });
    await vi.waitFor(() => expect(asked).toHaveLength(3), { timeout: 10_000 });
    for (const message of asked.reverse()) {
      const { msg_id } = message.body as { msg_id: number };
      client.send({ src: 'users', dest: message.src, body: { type: 'lookup_ok', missing: [], in_reply_to: msg_id } });
    }
    expect(await seal).toMatchObject({ count: 0 });
    expect(await client.request('orders', { type: 'stats', producer: 1 })).toMatchObject({
      received: 12_000,
      inserted: 11_999,
      rejected: 1,
    });
    expect(rejected().map((line) => [line.position, line.reasons])).toEqual([[11_999, ['email_duplicate']]]);
  });

  it('on shutdown refuses inserts still waiting for their lookups, definitely, and then stops', async () => {
    owners = 'silent';
    const waiting = client.request('orders', { type: 'insert', producer: 1, offset: 0, rows });
    const stopped = client.request('orders', { type: 'shutdown' });
    await expect(waiting).rejects.toMatchObject({ body: { code: 'unavailable', definite: true, text: 'node is shutting down' } });
    expect(await stopped).toMatchObject({ type: 'shutdown_ok' });
    expect(store.reads.counts()).toEqual({ rows: 0, rejected: 0 });
  });
});

describe('replaying the last batch at start', () => {
  const found = answers({ owner_id: [1] });

  it("logs the last committed batch's rejections again", () => {
    store.apply({ producer: 1, offset: 0, rows: rows.slice(0, 1) }, found);
    store.apply({ producer: 1, offset: 1, rows: rows.slice(1) }, found);
    Router.serving(store, log, parts).inserts.replayLastBatch();
    expect(rejected().map((line) => [line.batch, line.position])).toEqual([
      [1, 1],
      [1, 2],
    ]);
  });

  it('logs the held-back rows a seal in progress has decided', () => {
    store.apply({ producer: 1, offset: 0, rows }, answers({ owner_id: [1] }, { owner_id: [2] }));
    store.decideHeldBack(1, 3, store.heldBack(1, 3, 10), found);
    Router.serving(store, log, parts).inserts.replayLastBatch();
    expect(rejected().map((line) => [line.batch, line.position])).toEqual([
      [0, 2],
      [3, 1],
    ]);
  });

  it('logs nothing when the last batch rejected nothing', () => {
    store.apply({ producer: 1, offset: 0, rows }, found);
    store.apply({ producer: 1, offset: 3, rows: [], seal: true });
    Router.serving(store, log, parts).inserts.replayLastBatch();
    expect(rejected()).toEqual([]);
  });
});

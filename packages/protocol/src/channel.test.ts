import { Duplex, PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Channel, RemoteError } from './channel.js';
import { EncodedRows, MAX_LINE_BYTES } from './line-codec.js';
import type { Liveness } from './liveness.js';
import type { Envelope } from './messages.js';
import { RESEND_FIRST_MS, RESEND_MIN_MS } from './resend.js';

function pair(liveness?: Liveness): [Channel, Channel] {
  const ab = new PassThrough();
  const ba = new PassThrough();
  return [
    new Channel('orchestrator', Duplex.from({ readable: ba, writable: ab }), liveness),
    new Channel('users', Duplex.from({ readable: ab, writable: ba })),
  ];
}

/** A peer that reads what it is sent and never answers: a process stopped with SIGSTOP, say. */
function silentPeer(liveness?: Liveness): Channel {
  return new Channel('orchestrator', Duplex.from({ readable: new PassThrough(), writable: new PassThrough() }), liveness);
}

describe('Channel', () => {
  it('matches replies to requests by msg_id, whatever order they come in', async () => {
    const [client, server] = pair();
    const seen: Envelope[] = [];
    server.onMessage((message) => {
      seen.push(message);
      if (seen.length < 2) return;
      for (const { src, body } of seen.reverse()) {
        if (body.type === 'lookup')
          server.send({ src: 'users', dest: src, body: { type: 'lookup_ok', in_reply_to: body.msg_id, missing: body.ids } });
      }
    });
    const [a, b] = await Promise.all([
      client.request('users', { type: 'lookup', producer: 1, ids: [1] }),
      client.request('users', { type: 'lookup', producer: 1, ids: [2] }),
    ]);
    expect([a.missing, b.missing]).toEqual([[1], [2]]);
  });

  it('rejects a request answered with an error with that error', async () => {
    const [client, server] = pair();
    server.onMessage(({ src, body }) => {
      if ('msg_id' in body) {
        server.send({
          src: 'users',
          dest: src,
          body: { type: 'error', in_reply_to: body.msg_id, code: 'out_of_order', definite: true, text: 'no' },
        });
      }
    });
    await expect(client.request('users', { type: 'hello' })).rejects.toMatchObject({ body: { code: 'out_of_order', definite: true } });
  });

  it('fails pending requests as indefinite when the connection closes', async () => {
    const [client, server] = pair();
    const pending = client.request('users', { type: 'hello' });
    server.close();
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as RemoteError).body).toMatchObject({ code: 'unavailable', definite: false });
    await expect(client.request('users', { type: 'hello' })).rejects.toThrow(/closed/);
  });

  it('tells its owner the connection is gone before failing the requests still waiting', async () => {
    const [client, server] = pair();
    const events: string[] = [];
    client.onClose(() => events.push('closed'));
    const pending = client.request('users', { type: 'hello' }).catch(() => events.push('request failed'));
    server.close();
    await pending;
    expect(events).toEqual(['closed', 'request failed']);
  });

  it('reports a line that is not a valid envelope instead of delivering it', async () => {
    const [client, server] = pair();
    const problems: string[] = [];
    const delivered: Envelope[] = [];
    server.onInvalid((problem) => problems.push(problem)).onMessage((message) => delivered.push(message));
    (client as unknown as { stream: Duplex }).stream.write('nope\n{"src":"a","dest":"users","body":{"type":"hello"}}\n');
    client.send({ src: 'orchestrator', dest: 'users', body: { type: 'hello', msg_id: 1 } });
    await new Promise((resolve) => setImmediate(resolve));
    expect(problems).toEqual(['not JSON', expect.stringContaining('body')]);
    expect(delivered).toHaveLength(1);
  });

  it('keeps a request waiting as long as its peer answers pings, however long the answer takes', async () => {
    const [client, server] = pair({ pingMs: 10, silentMs: 60 });
    let asked: Envelope | undefined;
    server.onMessage((message) => {
      asked = message;
    });
    const pending = client.request('users', { type: 'hello' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(client.closed).toBe(false);
    const body = asked?.body as { msg_id: number };
    server.send({
      src: 'users',
      dest: 'orchestrator',
      body: { type: 'hello_ok', in_reply_to: body.msg_id, node: 'users', pid: 1, producer: 0, offset: 0, sealed: false },
    });
    await expect(pending).resolves.toMatchObject({ type: 'hello_ok' });
  });

  it('gives a silent peer up: every pending request fails as indefinite, and its owner hears why', async () => {
    const client = silentPeer({ pingMs: 10, silentMs: 50 });
    const reasons: string[] = [];
    client.onClose((reason) => reasons.push(reason));
    const started = Date.now();
    const [a, b] = await Promise.all([
      client.request('users', { type: 'hello' }).catch((e: unknown) => e),
      client.request('users', { type: 'status' }).catch((e: unknown) => e),
    ]);
    expect(Date.now() - started).toBeLessThan(1000);
    for (const error of [a, b]) expect((error as RemoteError).body).toMatchObject({ code: 'unavailable', definite: false });
    expect(reasons).toEqual(['silent']);
  });

  it('watches nothing while no request waits, unless told to watch always', async () => {
    const idle = silentPeer({ pingMs: 5, silentMs: 20 });
    const always = silentPeer({ pingMs: 5, silentMs: 20, always: true });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect([idle.closed, always.closed]).toEqual([false, true]);
  });

  it('fails a request at its deadline as indefinite, and nothing else', async () => {
    const client = silentPeer(undefined);
    const error = await client.request('users', { type: 'hello' }, { deadlineMs: 20 }).catch((e: unknown) => e);
    expect((error as RemoteError).body).toMatchObject({ code: 'timeout', definite: false });
    expect(client.closed).toBe(false);
  });

  it('refuses, definitely, to send a request over the frame limit, which the other end would drop unread', async () => {
    const [client] = pair();
    const rows = ['x'.repeat(MAX_LINE_BYTES)];
    const error = await client.request('users', { type: 'insert', producer: 1, offset: 0, rows }).catch((e: unknown) => e);
    expect((error as RemoteError).body).toMatchObject({ code: 'too_large', definite: true });
  });
});

/** A server that answers hellos, but loses the first `lose` copies of each request it gets; it counts the copies. */
function lossyServer(server: Channel, lose: number) {
  const copies = new Map<number, number>();
  server.onMessage(({ src, body }) => {
    if (body.type !== 'hello') return;
    const seen = (copies.get(body.msg_id) ?? 0) + 1;
    copies.set(body.msg_id, seen);
    if (seen <= lose) return;
    server.send({
      src: 'users',
      dest: src,
      body: { type: 'hello_ok', in_reply_to: body.msg_id, node: 'users', pid: 1, producer: 0, offset: 0, sealed: false },
    });
  });
  return copies;
}

describe('Channel on a link that loses messages', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends a request again, with its msg_id, until it is answered, waiting twice as long each time', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'] });
    const [client, server] = pair();
    client.lossy = true;
    const copies = lossyServer(server, 2);
    let answered = false;
    const pending = client.request('users', { type: 'hello' }).then(() => {
      answered = true;
    });
    await vi.advanceTimersByTimeAsync(RESEND_FIRST_MS + 10);
    expect([...copies.values()]).toEqual([2]);
    expect(answered).toBe(false);
    await vi.advanceTimersByTimeAsync(2 * RESEND_FIRST_MS);
    await pending;
    expect([...copies.values()]).toEqual([3]);
    expect(client.resent).toBe(2);
  });

  it('holds an insert’s rows again for each time it sends it again, so that they are handed back only once answered and let go', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'] });
    const [client, server] = pair();
    client.lossy = true;
    let copies = 0;
    server.onMessage(({ src, body }) => {
      if (body.type !== 'insert' || ++copies <= 2) return;
      server.send({
        src: 'users',
        dest: src,
        body: { type: 'insert_ok', in_reply_to: body.msg_id, offset: 0, count: 1, inserted: 1, rejected: 0, deferred: 0 },
      });
    });
    let handedBack = 0;
    const rows = new EncodedRows(Buffer.from('[{"id":1}]'), 1, () => handedBack++);
    const answered = client.request('users', { type: 'insert', producer: 1, offset: 0, seal: false, rows });
    await vi.advanceTimersByTimeAsync(4 * RESEND_FIRST_MS);
    await answered;
    expect(copies).toBe(3);
    expect(handedBack).toBe(0); // the sender still holds them
    rows.release();
    expect(handedBack).toBe(1);
  });

  it('sends a request once on a link that loses nothing (a pipe, a TCP connection), however long the answer takes', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'] });
    const [client, server] = pair();
    const copies = lossyServer(server, 1);
    void client.request('users', { type: 'hello' }).catch(() => {});
    await vi.advanceTimersByTimeAsync(10 * RESEND_FIRST_MS);
    expect([...copies.values()]).toEqual([1]);
    expect(client.resent).toBe(0);
  });

  it('takes the first answer, and neither a late nor a repeated one for a message of its own', async () => {
    const [client, server] = pair();
    const unsolicited: Envelope[] = [];
    client.onMessage((message) => unsolicited.push(message));
    server.onMessage(({ src, body }) => {
      if (body.type !== 'hello') return;
      for (let i = 0; i < 3; i++)
        server.send({
          src: 'users',
          dest: src,
          body: { type: 'hello_ok', in_reply_to: body.msg_id, node: 'users', pid: 1, producer: 0, offset: i, sealed: false },
        });
    });
    await expect(client.request('users', { type: 'hello' })).resolves.toMatchObject({ offset: 0 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(unsolicited).toEqual([]);
  });

  it('sends again sooner once it has seen how soon answers come, as TCP does, but not before RESEND_MIN_MS', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'] });
    const [client, server] = pair();
    client.lossy = true;
    const copies = lossyServer(server, 0);
    for (let i = 0; i < 5; i++) {
      const answer = client.request('users', { type: 'hello' });
      await vi.advanceTimersByTimeAsync(5);
      await answer;
    }
    lossyServer(server, 1);
    const lost = client.request('users', { type: 'hello' });
    await vi.advanceTimersByTimeAsync(RESEND_MIN_MS - 10);
    expect(client.resent).toBe(0);
    await vi.advanceTimersByTimeAsync(20);
    await lost;
    expect(client.resent).toBe(1);
    expect(copies.size).toBe(5);
  });
});

import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loopbackPair } from './loopback.js';

const sockets: Socket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy();
});

async function pair() {
  const { ours, theirs } = await loopbackPair();
  sockets.push(ours, theirs);
  return { ours, theirs };
}

function readAll(socket: Socket, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  return new Promise((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      got += chunk.length;
      if (got >= bytes) resolve(Buffer.concat(chunks));
    });
  });
}

describe('loopbackPair', () => {
  it('connects its two ends both ways', async () => {
    const { ours, theirs } = await pair();
    expect([theirs.remoteAddress, theirs.remotePort]).toEqual([ours.localAddress, ours.localPort]);
    const there = readAll(theirs, 5);
    ours.write('hello');
    expect(String(await there)).toBe('hello');
    const back = readAll(ours, 4);
    theirs.write('back');
    expect(String(await back)).toBe('back');
  });

  it('takes more than a batch into the kernel while the other end reads nothing', async () => {
    const { ours, theirs } = await pair();
    theirs.pause();
    // 5,000 generated users take some 600 KB.
    const batch = Buffer.alloc(1024 * 1024, 'x');
    batch.writeUInt32BE(0x01020304, batch.length - 4);
    // The write completes once the kernel holds it all: with a socket pair's 200 KB, it would wait for the reader.
    const written = new Promise<string>((resolve, reject) => ours.write(batch, (error) => (error ? reject(error) : resolve('written'))));
    const stalled = new Promise<string>((resolve) => setTimeout(() => resolve('stalled, waiting for the reader'), 3000).unref());
    expect(await Promise.race([written, stalled])).toBe('written');
    const read = readAll(theirs, batch.length);
    theirs.resume();
    expect((await read).equals(batch)).toBe(true);
  });

  it('stops listening once its pair is made: nobody else can connect', async () => {
    const { theirs } = await pair();
    const refused = await new Promise<string | undefined>((resolve) => {
      const stranger = connect(theirs.localPort as number, '127.0.0.1');
      stranger.on('connect', () => {
        stranger.destroy();
        resolve(undefined);
      });
      stranger.on('error', (error: NodeJS.ErrnoException) => resolve(error.code));
    });
    expect(refused).toBe('ECONNREFUSED');
  });
});

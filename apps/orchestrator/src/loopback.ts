import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

/** Making the connection takes microseconds; this only ends a wait that something has broken. */
const PAIR_TIMEOUT_MS = 10_000;

/**
 * Both ends of a TCP connection over the loopback interface, made in this
 * process: one to keep, one to hand to a forked node as an fd (its protocol
 * link, its stdout).
 *
 * Why not the pipe child_process makes (a Unix socket pair): the kernel
 * holds some 200 KB of it, less than a batch of rows. A node applies a
 * batch in SQLite for tens of milliseconds without reading, so the next
 * batch would sit half in the pipe, half here, and be pulled across in
 * round trips with this process once the node is free again: some 2 s of
 * users-node's 6 s run went on that. The other way, a batch's rejection
 * log lines (megabytes, with long rows) would hold the node up until this
 * process had read them. A TCP connection's buffers grow to megabytes, so
 * neither side waits on the other's turn.
 *
 * The listening socket is on 127.0.0.1 only, and lives only until its own
 * connection, known by both its addresses and ports, is accepted: any other
 * connection meanwhile is closed.
 */
export async function loopbackPair(): Promise<{ ours: Socket; theirs: Socket }> {
  const server = createServer({ noDelay: true });
  const accepted: Socket[] = [];
  let ours: Socket | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const client = connect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', noDelay: true });
    ours = client;
    // Until the pair is made, an error or a close of ours fails it; the caller listens to ours after.
    let fail = (_error: Error) => {};
    const closed = () => fail(new Error('the loopback connection closed as it was made'));
    const theirs = await new Promise<Socket>((resolve, reject) => {
      fail = reject;
      let connected = false;
      const isOurs = (socket: Socket) => socket.remotePort === client.localPort && socket.remoteAddress === client.localAddress;
      // Ours is known by its address once connected; the server may accept it before or after that.
      const match = () => {
        if (!connected) return;
        for (const socket of accepted) if (!isOurs(socket)) socket.destroy();
        const found = accepted.find(isOurs);
        if (found) resolve(found);
      };
      server.on('connection', (socket) => {
        socket.on('error', () => {}); // a stranger's reset is no concern of ours
        accepted.push(socket);
        match();
      });
      server.on('error', fail);
      client.once('connect', () => {
        connected = true;
        match();
      });
      client.on('error', fail);
      client.on('close', closed);
      timer = setTimeout(() => fail(new Error(`no loopback connection within ${PAIR_TIMEOUT_MS} ms`)), PAIR_TIMEOUT_MS);
    });
    client.off('error', fail).off('close', closed);
    return { ours: client, theirs };
  } catch (error) {
    ours?.destroy();
    for (const socket of accepted) socket.destroy();
    // Where there is no loopback interface (a network namespace that never brought `lo` up), say so.
    throw new Error(`no connection over 127.0.0.1 (is the loopback interface up?): ${(error as Error).message}`, { cause: error });
  } finally {
    clearTimeout(timer);
    server.close();
  }
}

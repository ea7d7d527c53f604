import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

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
 * The listening socket lives only until its one connection is accepted,
 * and only on 127.0.0.1; a connection from anyone else meanwhile is closed.
 */
export async function loopbackPair(): Promise<{ ours: Socket; theirs: Socket }> {
  const server = createServer({ noDelay: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  try {
    const ours = connect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', noDelay: true });
    const accepted: Socket[] = [];
    let theirs: Socket | undefined;
    theirs = await new Promise<Socket>((resolve, reject) => {
      // Ours is known by its port once connected; the server may accept it before or after that.
      let connected = false;
      const match = () => {
        const found = accepted.find((socket) => connected && socket.remotePort === ours.localPort);
        if (found) resolve(found);
      };
      server.on('connection', (socket) => {
        if (theirs === undefined) accepted.push(socket);
        else socket.destroy();
        match();
      });
      ours.once('connect', () => {
        connected = true;
        match();
      });
      ours.once('error', reject);
    });
    for (const stranger of accepted) if (stranger !== theirs) stranger.destroy();
    return { ours, theirs };
  } finally {
    server.close();
  }
}

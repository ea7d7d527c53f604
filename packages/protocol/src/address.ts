import { existsSync, statSync, unlinkSync } from 'node:fs';
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { NodeName } from './nodes.js';

/** Where a node listens: a Unix domain socket (local IPC) or a TCP port (another host). */
export type Address = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

/** Where a standalone node listens unless told otherwise: a Unix socket beside its database. */
export function nodeSocket(dir: string, node: NodeName): Address {
  return { kind: 'unix', path: join(dir, `${node}.sock`) };
}

/** `tcp://HOST:PORT`, or a Unix socket path, optionally written `unix:PATH`; `resolve` makes the path absolute. */
export function parseAddress(text: string, resolve: (path: string) => string = (path) => path): Address {
  if (!text.startsWith('tcp://')) {
    const path = text.startsWith('unix:') ? text.slice('unix:'.length) : text;
    if (path === '') throw new Error(`not an address: ${JSON.stringify(text)}`);
    return { kind: 'unix', path: resolve(path) };
  }
  const url = URL.canParse(text) ? new URL(text) : undefined;
  const port = Number(url?.port);
  if (url === undefined || url.hostname === '' || url.port === '' || !(port >= 0 && port <= 65535) || !['', '/'].includes(url.pathname)) {
    throw new Error(`not an address: ${JSON.stringify(text)} (want tcp://HOST:PORT; port 0 takes any free one)`);
  }
  return { kind: 'tcp', host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}

export function formatAddress(address: Address): string {
  return address.kind === 'unix'
    ? address.path
    : `tcp://${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
}

/** Resolves with the connected socket, or rejects with a one-line reason. */
export function connectTo(address: Address): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = address.kind === 'unix' ? netConnect(address.path) : netConnect(address.port, address.host);
    const fail = (error: NodeJS.ErrnoException) => {
      socket.destroy();
      reject(new Error(`cannot reach ${formatAddress(address)}: ${error.code ?? error.message}`, { cause: error }));
    };
    socket.once('error', fail);
    socket.once('connect', () => {
      socket.off('error', fail);
      resolve(socket);
    });
  });
}

/**
 * Listens on the address and says where it listens (the port TCP port 0 got).
 * A Unix socket file that a crashed process left behind is replaced; one a
 * live process still answers on is refused.
 */
export async function listenOn(address: Address, onConnection: (socket: Socket) => void): Promise<{ server: Server; bound: Address }> {
  if (address.kind === 'unix' && existsSync(address.path)) {
    if (!statSync(address.path).isSocket()) throw new Error(`${address.path} exists and is not a socket`);
    const live = await connectTo(address).then(
      (socket) => {
        socket.destroy();
        return true;
      },
      () => false,
    );
    if (live) throw new Error(`${address.path} is in use: a node is already running there`);
    unlinkSync(address.path);
  }
  const server = createServer(onConnection);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(new Error(`cannot listen on ${formatAddress(address)}: ${error.code ?? error.message}`, { cause: error }));
    });
    if (address.kind === 'unix') server.listen(address.path, resolve);
    else server.listen(address.port, address.host, resolve);
  });
  const bound = server.address();
  return {
    server,
    bound: address.kind === 'tcp' && typeof bound === 'object' && bound !== null ? { ...address, port: bound.port } : address,
  };
}

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { acquireLock, UsageError, writableFolder } from '@dbsim/cli';
import { connectTo, formatAddress, NODES, type NodeName, nodeSocket, processName } from '@dbsim/protocol';

/**
 * A run's folder, made if need be and held for the run: one run (or resume)
 * at a time. The lock is the OS's, on DIR/run.lock, so it goes with the
 * process however that ends; DIR/run.lock.pid says who holds it. Each node
 * holds its own file the same way, for as long as it runs.
 */
export function holdFolder(dir: string): { release(): void } {
  writableFolder(dir, '--dir');
  return acquireLock(
    join(dir, 'run.lock'),
    'a run',
    (holder) => `${dir} is in use by ${holder}: wait for it to end, or give another --dir`,
  );
}

/**
 * A node started on its own on this folder holds its file: a run that would
 * fork its own is refused before it starts anything, and told how to use it.
 */
export async function refuseStandaloneNodes(dir: string, attach: Partial<Record<NodeName, unknown>>): Promise<void> {
  for (const node of NODES) {
    const socket = nodeSocket(dir, node);
    if (attach[node] !== undefined || !existsSync(formatAddress(socket))) continue;
    const live = await connectTo(socket).then(
      (connection) => {
        connection.destroy();
        return true;
      },
      () => false,
    );
    if (live) {
      throw new UsageError(
        `${processName(node)} runs on ${dir} on its own (${formatAddress(socket)}): attach the run to it with --attach ${node}=${formatAddress(socket)}, or stop it`,
      );
    }
  }
}

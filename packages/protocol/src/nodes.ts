import { z } from 'zod';

/** The three database nodes; each owns the table of the same name. */
export const NODES = ['users', 'products', 'orders'] as const;
export const NodeName = z.enum(NODES);
export type NodeName = z.infer<typeof NodeName>;

/** One value per node, made by `make`: the one place a record over the nodes is built. */
export function perNode<T>(make: (node: NodeName) => T): Record<NodeName, T> {
  return { users: make('users'), products: make('products'), orders: make('orders') };
}

/**
 * Which nodes' rows a node's rows name (an order names a user and a
 * product): the orchestrator paces the naming stream by theirs. The naming
 * node's table spec says which fields, and its test that they agree.
 */
export const NAMES: Partial<Record<NodeName, readonly NodeName[]>> = { orders: ['users', 'products'] };

/** perNode for work that takes a while: the three run at once. */
export async function perNodeAsync<T>(make: (node: NodeName) => Promise<T>): Promise<Record<NodeName, T>> {
  const [users, products, orders] = await Promise.all([make('users'), make('products'), make('orders')]);
  return { users, products, orders };
}

/** The name a node's process logs under and is shown by: `users-node`. */
export function processName(node: NodeName): `${NodeName}-node` {
  return `${node}-node`;
}

/** SQLite's synchronous setting for the nodes: `normal` survives a process crash, `full` also a power loss. */
export const DURABILITIES = ['normal', 'full'] as const;
export type Durability = (typeof DURABILITIES)[number];

/** The orchestrator's address in envelopes. */
export const ORCHESTRATOR = 'orchestrator';

/** How a node's process ends when a restart would meet the same end: its file is in use (a usage error), or damaged. */
export const NODE_EXIT = { inUse: 2, corrupt: 3 } as const;

/** The faults that hit a node's process, as Jepsen's nemesis menu names them: in logs, the history and the summary. */
export const PROCESS_FAULTS = ['kill', 'pause', 'partition', 'power loss'] as const;
export type ProcessFault = (typeof PROCESS_FAULTS)[number];

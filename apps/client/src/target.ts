import { type Address, Channel, connectTo, formatAddress, NodeName, nodeSocket, parseAddress } from '@dbsim/protocol';

/** The client's own address in envelopes. */
export const CLIENT = 'dbsim';

/** A node named (its socket in DIR) or an address given outright. */
export function targetAddress(target: string, dir: string, resolve: (path: string) => string): Address {
  const named = NodeName.safeParse(target);
  if (named.success) return nodeSocket(dir, named.data);
  if (!/^(tcp:\/\/|unix:)|[/\\]/.test(target))
    throw new Error(`${JSON.stringify(target)} is neither a node (${NodeName.options.join(', ')}) nor an address`);
  return parseAddress(target, resolve);
}

/** A channel to a running node, or one clear error saying it is not running. */
export async function open(address: Address): Promise<Channel> {
  try {
    return new Channel(CLIENT, await connectTo(address));
  } catch (error) {
    throw new Error(`no node is running at ${formatAddress(address)} (${(error as Error).message.split(': ').at(-1)})`, { cause: error });
  }
}

import { type DestinationStream, syncStdout } from '@dbsim/logger';
import type { Channel } from '@dbsim/protocol';

/**
 * A standalone node's log destination: every line goes to its stdout, and
 * to each connection that subscribed (an orchestrator attached to the node
 * gathers them into its run's log, as it does a forked node's stdout).
 */
export class LogFanout implements DestinationStream {
  readonly #stdout = syncStdout();
  /** Each subscribed connection, with the address its lines go to. */
  readonly #subscribers = new Map<Channel, string>();

  write(line: string): void {
    this.#stdout.write(line);
    for (const [channel, dest] of this.#subscribers) {
      try {
        if (!channel.send({ src: channel.address, dest, body: { type: 'log', line: line.trimEnd() } }) && channel.closed) {
          this.#subscribers.delete(channel);
        }
      } catch {
        // A line over the frame limit (a row of near 16 MB, escaped) stays on stdout only.
      }
    }
  }

  subscribe(channel: Channel, dest: string): void {
    this.#subscribers.set(channel, dest);
  }
}

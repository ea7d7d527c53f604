import { UsageError } from '@dbsim/cli';
import { NODES, type NodeName, processName } from '@dbsim/protocol';
import type { Options } from './options.js';
import type { RunFile } from './run-file.js';

/** Where a node's streams stand, as its hello says. */
export interface NodeState {
  producer: number;
  offset: number;
  sealed: boolean;
}

/** What a run does to the folder once every check has passed. */
export type Plan = { kind: 'fresh' } | { kind: 'resume'; run: number } | { kind: 'keep'; abandon: number | undefined };

/**
 * Everything a run checks before it touches anything, from the folder's run
 * record and what each node says it holds: a fresh run needs its attached
 * nodes empty; --resume needs a run that is not finished; --keep needs the
 * last run finished, or given up with --abandon.
 */
export function plan(options: Options, recorded: RunFile | undefined, nodes: Record<NodeName, NodeState>): Plan {
  const unfinished = recorded !== undefined && NODES.some((node) => nodes[node].producer === recorded.run && !nodes[node].sealed);
  if (options.resume) {
    if (recorded === undefined) throw new UsageError(`there is no run to resume in ${options.dir} (no run.json)`);
    if (!unfinished) throw new UsageError(`run ${recorded.run} in ${options.dir} has finished: there is nothing to resume`);
    return { kind: 'resume', run: recorded.run };
  }
  if (options.keep) {
    if (unfinished && !options.abandon) {
      throw new UsageError(
        `run ${recorded.run} in ${options.dir} was interrupted: finish it with --resume, give it up with --keep --abandon, or start afresh without --keep`,
      );
    }
    return { kind: 'keep', abandon: unfinished ? recorded.run : undefined };
  }
  const holding = NODES.filter((node) => options.attach[node] !== undefined && nodes[node].producer !== 0);
  if (holding.length > 0) {
    throw new UsageError(
      `attached ${holding.map(processName).join(' and ')} already holds data: start it on an empty --dir, or run with --keep`,
    );
  }
  return { kind: 'fresh' };
}

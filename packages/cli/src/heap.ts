/**
 * V8 heap settings (and below, the orchestrator's malloc settings) for the
 * processes that move the data (orchestrator and nodes). The young
 * generation is at its full 16 MB from the start, so that it does not grow
 * with the work done; the old generation is capped, so that V8 collects
 * rather than lets the heap drift up. Peak memory then does not depend on
 * how many rows flow through. Node takes them on the command line only, not
 * in NODE_OPTIONS.
 */
export const HEAP_FLAGS = ['--min-semi-space-size=16', '--max-old-space-size=192'] as const;

/**
 * The orchestrator's heap also starts at 64 MB. It keeps about 12 MB alive,
 * and with an old generation that small V8 sees its limit within a young
 * generation's reach: it marked the whole heap every 150 ms or so, a tenth
 * of the orchestrator's CPU, while its batch buffers' memory drove
 * collections too. Started at 128 MB, it was marked once or twice a run, but
 * its old generation filled with garbage meanwhile, to 41 MB at four times
 * the default size: peak RSS 129 MB at a quarter of the default size, 157 at
 * four times it. Since the buffers are lent again (BatchBytes), a heap
 * started at 64 MB is marked 5 or 6 times a default-size run (some 60 ms).
 * With each stream's buffers let go as it ends, it peaks at 113 to 120 MB
 * at a quarter of the size, 124 to 130 at four times it.
 */
export const INITIAL_HEAP_SIZE = '--initial-heap-size';
export const ORCHESTRATOR_HEAP_FLAGS = [...HEAP_FLAGS, `${INITIAL_HEAP_SIZE}=64`] as const;

/**
 * A node's heap; users-node's, and the others' where not said otherwise
 * below. Its young generation is 32 MB, as each young collection copies the
 * parsed rows of the batches in hand, and twice the room halves the
 * collections (users-node: 58 a run, now 25 to 30, some 100 ms less); its
 * old generation starts at 64 MB, as a node keeps 15 to 17 MB alive and V8
 * set its next limit at about twice that, marking the whole heap every 300
 * to 500 ms (a dozen times a run in users-node, now two to five). Both cost
 * some 40 MB more peak RSS per node, a cost that does not grow with the
 * data.
 *
 * products-node, which mostly answers lookups, allocates so little that a
 * short run collected its young generation once, and never wrote most of
 * it, and a long one all of it: its peak grew with the data (117 MB at a
 * quarter of the default size, 138 to 154 at four times it). With 16 MB it
 * collects 7 times a default-size run instead of 3, in as much time, and
 * peaks at 101 to 103 MB and 109 to 121. Smaller still, its collections
 * paused the answers to orders-node's lookups often enough to slow the
 * streams.
 *
 * orders-node's old generation starts at 32 MB: from 64 it filled with
 * garbage over a long run (its peak 147 MB at a quarter of the default size,
 * 168 to 173 at four times it); from 32, 148 and 162, for one full
 * collection more a run.
 */
export const NODE_HEAP_FLAGS = {
  'users-node': nodeHeap(32, 64),
  'products-node': nodeHeap(16, 64),
  'orders-node': nodeHeap(32, 32),
} as const satisfies Record<string, readonly string[]>;

/** A node's heap flags: its young generation's semi-spaces fixed at `semiSpaceMb`, its old generation from `oldSpaceMb`. */
function nodeHeap(semiSpaceMb: number, oldSpaceMb: number): readonly string[] {
  return [
    `--min-semi-space-size=${semiSpaceMb}`,
    `--max-semi-space-size=${semiSpaceMb}`,
    '--max-old-space-size=192',
    `--initial-old-space-size=${oldSpaceMb}`,
  ];
}

/** The orchestrator's malloc setting (see orchestratorEnv). */
const MMAP_THRESHOLD = 'glibc.malloc.mmap_threshold=131072';

/**
 * The orchestrator's environment, with its malloc settings, which glibc
 * reads as a process starts (elsewhere they do nothing). It allocates a
 * block of some 500 kB a batch, the rows' bytes, kept until acknowledged.
 * glibc maps blocks that large on their own, but raises that threshold to
 * the size of the first one freed, and then serves them from its heap,
 * whose holes RSS keeps: the orchestrator's peak grew with the run, 161 MB
 * at a quarter of the default size and 198 at four times it. A threshold
 * fixed at 128 kB gives each block back to the system as it is freed: 158
 * and 163 MB.
 */
export function orchestratorEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  // The caller's own tunables go last: where both set one, glibc takes the last.
  return { ...env, GLIBC_TUNABLES: [MMAP_THRESHOLD, env.GLIBC_TUNABLES].filter(Boolean).join(':') };
}

/**
 * A node's environment, from the orchestrator's: without its malloc
 * setting. A node allocates few blocks that large, and each one mapped
 * afresh costs page faults: in 5 alternating pairs of runs, those whose
 * nodes had it took 5.94 s on average, against 5.57.
 */
export function nodeEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const { GLIBC_TUNABLES: tunables, ...rest } = env;
  const theirs = tunables
    ?.split(':')
    .filter((tunable) => tunable !== MMAP_THRESHOLD)
    .join(':');
  return theirs ? { ...rest, GLIBC_TUNABLES: theirs } : rest;
}

/**
 * V8 heap settings for the processes that move the data (orchestrator and
 * nodes). The young generation is at its full 16 MB from the start, so that
 * it does not grow with the work done; the old generation is capped, so that
 * V8 collects rather than lets the heap drift up. Peak memory then does not
 * depend on how many rows flow through. Node takes them on the command line
 * only, not in NODE_OPTIONS.
 */
export const HEAP_FLAGS = ['--min-semi-space-size=16', '--max-old-space-size=192'] as const;

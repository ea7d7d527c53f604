import { NodeName, PROCESS_FAULTS } from '@dbsim/protocol';
import { z } from 'zod';

/** Where a run's history is, in its folder. */
export const HISTORY_FILE = 'history.ndjson';

const count = z.number().int().nonnegative();
/** A moment, in ms since the epoch, to a tenth of a millisecond. */
const at = z.number();
const perNode = <T extends z.ZodType>(value: T) => z.record(NodeName, value);

/**
 * The windows of a run whose messages are recorded one by one: all of a
 * small run's, and of a large one its first messages, those around each
 * fault, and its last.
 */
export const WINDOWS = ['start', 'fault', 'end'] as const;

/**
 * The lines of DIR/history.ndjson, one JSON object each, told apart by `k`.
 * A run (and each resume of it) starts with `run` and ends with `end`;
 * `chaos` follows the end of a run under faults, once it has been compared
 * with an undisturbed one.
 */
export const HistoryLine = z.discriminatedUnion('k', [
  z.object({
    k: z.literal('run'),
    at,
    run: count,
    resumed: z.boolean(),
    /** Each table's rows, where the data set says. */
    rows: perNode(count.nullable()),
    settings: z.object({ batchSize: count, window: count, durability: z.string(), hangTimeoutMs: count, chaos: z.string().optional() }),
  }),
  /** Where a node's stream stands: rows committed, rows held back undecided, batches sent and not yet acknowledged. */
  z.object({ k: z.literal('tick'), at, node: NodeName, committed: count, held: count, inFlight: count }),
  /**
   * One message between two processes: sent and received as the link
   * between the orchestrator and the nodes saw it (a message between two
   * nodes, as relayed), or lost (`fate`).
   */
  z.object({
    k: z.literal('msg'),
    from: z.string(),
    to: z.string(),
    type: z.string(),
    /** Its msg_id, or for a reply the msg_id it answers. */
    id: count.optional(),
    sent: at,
    received: at.optional(),
    fate: z.enum(['dropped', 'cut']).optional(),
    window: z.enum(WINDOWS),
  }),
  z.object({ k: z.literal('fault'), at, node: NodeName, fault: z.enum(PROCESS_FAULTS), ms: count.optional() }),
  z.object({ k: z.literal('restart'), at, node: NodeName, exit: z.string() }),
  /** The batch that seals a node's stream: sent, then acknowledged once the held-back rows are decided. */
  z.object({ k: z.literal('seal'), at, node: NodeName, phase: z.enum(['sent', 'acknowledged']) }),
  /** Batches a node acknowledged and lost to a power loss: its stream goes back to `from`. */
  z.object({ k: z.literal('lost'), at, node: NodeName, from: count, batches: count, rows: count }),
  z.object({ k: z.literal('end'), at, how: z.enum(['finished', 'interrupted', 'failed']), problem: z.string().optional() }),
  z.object({
    k: z.literal('chaos'),
    at,
    /** What was injected, per node and kind. */
    injected: perNode(z.record(z.string(), count)),
    /** What differed from the undisturbed run: nothing when the outcome is identical. */
    differs: z.array(z.string()),
  }),
]);
export type HistoryLine = z.infer<typeof HistoryLine>;
export type LineOf<K extends HistoryLine['k']> = Extract<HistoryLine, { k: K }>;
/** A line as its writer gives it: the moment is the writer's to add. */
export type Event<K extends HistoryLine['k']> = Omit<LineOf<K>, 'k' | 'at'>;
export type Message = Omit<LineOf<'msg'>, 'k' | 'window'>;

/** Now, as history lines say it. */
export function now(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 10) / 10;
}

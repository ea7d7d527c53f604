import { NodeName, PROCESS_FAULTS, REASONS, TakenBy } from '@dbsim/protocol';
import { type DestinationStream, type Logger, pino } from 'pino';
import { z } from 'zod';

/**
 * The log contract: every event a process logs that another program reads
 * (the log sink, `pnpm logs`, the bench, the tests), with its level and its
 * fields, written once. Lines are pino's: `level`, `time`, `pid`, `name` (the
 * process that wrote it: `users-node`, `orchestrator`), the event's fields,
 * and `msg`, the event's name. A line about another process names it in
 * `target`.
 */

const count = z.number().int().nonnegative();
const usage = { maxRssKb: count, cpuMs: count };
const perTable = <T extends z.ZodType>(value: T) => z.record(NodeName, value);
const target = z.string();

const RowRejected = z.object({
  table: z.string(),
  run: count,
  /** The offset of the batch whose transaction decided the row: its own, or the sealing batch for a held-back row. */
  batch: count,
  /** The row's place in its table's stream: the same on every run. */
  position: count,
  id: z.unknown(),
  reasons: z.array(z.enum(REASONS)),
  /** For each duplicate key among the reasons, the id of the row that holds it. */
  takenBy: TakenBy.optional(),
  row: z.unknown(),
});

export const EVENTS = {
  // Nodes
  'node started': {
    level: 'info',
    fields: z.object({
      dir: z.string(),
      durability: z.string(),
      listen: z.string().optional(),
      producer: count,
      offset: count,
      sealed: z.boolean(),
    }),
  },
  'node stopped': {
    level: 'info',
    fields: z.object({
      why: z.string(),
      ...usage,
      /** The messages the node's channels sent and received, by type, as it counted them itself. */
      messages: z.object({ sent: z.record(z.string(), count), received: z.record(z.string(), count) }).optional(),
    }),
  },
  'row rejected': { level: 'warn', fields: RowRejected },
  'batch received': { level: 'debug', fields: z.object({ producer: count, offset: count, rows: count, seal: z.boolean() }) },
  'batch refused': { level: 'error', fields: z.object({ offset: count, problem: z.string() }) },
  'malformed message': { level: 'warn', fields: z.object({ problem: z.string(), message: z.unknown() }) },
  'unsupported message': { level: 'warn', fields: z.object({ problem: z.string(), message: z.unknown() }) },
  // The orchestrator
  'run started': { level: 'info', fields: z.object({ run: count, data: z.unknown(), dir: z.string(), rows: z.unknown() }) },
  'run resumed': {
    level: 'info',
    fields: z.object({ run: count, data: z.unknown(), dir: z.string(), rows: z.unknown(), resumedFrom: perTable(count) }),
  },
  'run finished': {
    level: 'info',
    fields: z.object({
      run: count,
      tables: perTable(z.object({ received: count, inserted: count, rejected: count })),
      restarts: perTable(count),
      durationsMs: perTable(count),
      ...usage,
    }),
  },
  'run abandoned': { level: 'warn', fields: z.object({ run: count, rows: count }) },
  'run interrupted': { level: 'warn', fields: z.object({ committed: perTable(count) }) },
  'malformed line: rejected as row_malformed': {
    level: 'warn',
    fields: z.object({ table: NodeName, file: z.string(), line: count, problem: z.string() }),
  },
  'node died: restarting': { level: 'error', fields: z.object({ target, exit: z.string(), restart: count, backoffMs: count }) },
  'node hung: killing it': { level: 'error', fields: z.object({ target, silentMs: count }) },
  'node did not come up': { level: 'error', fields: z.object({ target, problem: z.string() }) },
  'node down for good': { level: 'error', fields: z.object({ target, exit: z.string(), restarts: count }) },
  'invalid message from node': { level: 'warn', fields: z.object({ target, problem: z.string() }) },
  'message for an unknown node dropped': { level: 'warn', fields: z.object({ target, dest: z.string(), type: z.string() }) },
  'chaos: fault injected': {
    level: 'warn',
    fields: z.object({ target, fault: z.enum(PROCESS_FAULTS), committed: count, ms: count.optional() }),
  },
  /** What a chaos run injected, per node and kind (network faults counted per message), once its streams have ended. */
  'chaos: injected': { level: 'info', fields: z.object({ injected: perTable(z.record(z.string(), count)) }) },
  'acknowledged batches lost: sending again': { level: 'warn', fields: z.object({ target, from: count, batches: count, rows: count }) },
  'no progress: giving up': { level: 'error', fields: z.object({ stalledMs: count }) },
} as const satisfies Record<string, { level: 'debug' | 'info' | 'warn' | 'error'; fields: z.ZodObject }>;

export type EventName = keyof typeof EVENTS;
export type EventFields<E extends EventName> = z.infer<(typeof EVENTS)[E]['fields']>;

/** The fields pino writes on every line, and `target` where the line is about another process. */
const Base = z.object({
  level: z.number(),
  time: z.string(),
  pid: z.number(),
  name: z.string(),
  msg: z.string(),
  target: z.string().optional(),
});
const Line = Base.loose();
export type LogLine = z.infer<typeof Line>;
export type EventLine<E extends EventName> = Omit<z.infer<typeof Base>, 'msg'> & EventFields<E> & { msg: E };

/** Writes one event (a rejected row has a writer of its own: logRejection). */
export function logEvent<E extends Exclude<EventName, 'row rejected'>>(log: Logger, event: E, fields: EventFields<E>): void {
  log[EVENTS[event].level](fields, event);
}

/**
 * Writes a rejected row's line: pino's format, the fields in the order
 * `readRejectionKey` reads them, and the row spliced in as the JSON text it
 * was recorded in. The node has that text already, and it holds numbers as
 * they were written, which a second serialization would turn into null.
 */
export function logRejection(log: Logger, fields: Omit<EventFields<'row rejected'>, 'row'>, rowText: string): void {
  if (!log.isLevelEnabled('warn')) return;
  const { table, run, batch, position, id, reasons, takenBy } = fields;
  const head = `{"level":${log.levels.values.warn},"time":"${isoNow()}","pid":${process.pid},"name":${nameOf(log)}`;
  const taken = takenBy === undefined ? '' : `,"takenBy":${JSON.stringify(takenBy)}`;
  const line = `${head},"table":${JSON.stringify(table)},"run":${run},"batch":${batch},"position":${position},"id":${JSON.stringify(id) ?? 'null'},"reasons":${JSON.stringify(reasons)}${taken},"row":${rowText},"msg":"row rejected"}\n`;
  (log as unknown as Record<symbol, DestinationStream>)[pino.symbols.streamSym]?.write(line);
}

/** A logger's name as JSON: pino's bindings() parses them on every call, and a rejected row is a line each. */
const names = new WeakMap<Logger, string>();
function nameOf(log: Logger): string {
  let name = names.get(log);
  if (name === undefined) {
    name = JSON.stringify((log.bindings() as { name: string }).name);
    names.set(log, name);
  }
  return name;
}

/** The time as pino writes it, made once per millisecond: a batch's rejected rows are logged within a few. */
let lastMs = 0;
let lastIso = '';
function isoNow(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

/** One log line, or undefined when it is not one (a line of some other program, or cut short by a crash). */
export function readLine(text: string): LogLine | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  const line = Line.safeParse(raw);
  return line.success ? line.data : undefined;
}

/** The line as this event, or undefined when it is another event or does not hold the event's fields. */
export function readEvent<E extends EventName>(line: LogLine | undefined, event: E): EventLine<E> | undefined {
  if (line?.msg !== event) return undefined;
  // The event's own schema has just accepted the line.
  return EVENTS[event].fields.safeParse(line).success ? (line as unknown as EventLine<E>) : undefined;
}

/** What identifies a rejection line: the node that wrote it, its run, the batch that decided it, and the row's position. */
export interface RejectionKey {
  name: string;
  run: number;
  batch: number;
  position: number;
}

/**
 * A rejection line's key, read without parsing the line, as there is one
 * line per rejected row. Every field it reads is written by pino or by
 * logEvent before any field a row controls (`id`, `row`), in that order.
 */
const REJECTION_KEY = /^\{"level":40,"time":"[^"]*","pid":\d+,"name":"([^"]+)","table":"[^"]*","run":(\d+),"batch":(\d+),"position":(\d+),/;
const REJECTION_END = ',"msg":"row rejected"}';

export function readRejectionKey(line: string): RejectionKey | undefined {
  // Past the line's trailing newline (and any blank), without a copy of a line that may be megabytes.
  let end = line.length;
  while (end > 0 && line.charCodeAt(end - 1) <= 0x20) end--;
  if (!line.startsWith(REJECTION_END, end - REJECTION_END.length)) return undefined;
  return keyIn(line);
}

const REJECTION_END_BYTES = Buffer.from(REJECTION_END);
/** A key's fields fit in a line's first bytes: only those are decoded, unless they do not hold it. */
const KEY_BYTES = 256;

/** readRejectionKey, of a line given as its bytes: a reader that passes over most lines then makes no string of them. */
export function readRejectionKeyOf(line: Buffer): RejectionKey | undefined {
  let end = line.length;
  while (end > 0 && (line[end - 1] as number) <= 0x20) end--;
  const from = end - REJECTION_END_BYTES.length;
  if (from < 0 || line.compare(REJECTION_END_BYTES, 0, REJECTION_END_BYTES.length, from, end) !== 0) return undefined;
  return keyIn(line.toString('utf8', 0, Math.min(end, KEY_BYTES))) ?? (end > KEY_BYTES ? keyIn(line.toString('utf8', 0, end)) : undefined);
}

function keyIn(text: string): RejectionKey | undefined {
  const fields = REJECTION_KEY.exec(text);
  return fields === null
    ? undefined
    : { name: fields[1] as string, run: Number(fields[2]), batch: Number(fields[3]), position: Number(fields[4]) };
}

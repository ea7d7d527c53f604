import { z } from 'zod';
import { NodeName } from './nodes.js';
import { REASONS } from './reasons.js';

const count = z.number().int().nonnegative();
/** A producer is one run of the orchestrator; 0 means "none yet". */
const producer = z.number().int().positive();
const position = count;
/** A record id is a positive safe integer. */
export function isRecordId(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0;
}
/** Record ids, checked in one pass: a lookup carries thousands, and zod's check per element costs more than the lookup. */
const recordIds = z.custom<number[]>((value) => Array.isArray(value) && value.every(isRecordId), 'expected an array of record ids');
const reasonList = z.array(z.enum(REASONS));
/** A batch's rows, each whatever it is (the node judges it): zod's per-element pass over a million rows costs a node a fifth of a second. */
const anyRows = z.custom<unknown[]>(Array.isArray, 'expected an array');

/** Maelstrom-style: a request carries msg_id, its reply carries in_reply_to. */
const request = { msg_id: z.number().int().nonnegative() };
const reply = { in_reply_to: z.number().int().nonnegative() };

/**
 * Insert rows at stream positions offset .. offset + rows.length - 1.
 * The offset is the producer's sequence number (Kafka's baseSequence): a node
 * applies a batch only at its high-water mark and answers a repeat from its
 * record. `seal` says the producer's stream ends after these rows.
 */
export const Insert = z.object({
  type: z.literal('insert'),
  ...request,
  producer,
  offset: position,
  rows: anyRows,
  seal: z.boolean().optional(),
  /**
   * Rows that go as the JSON text they were written in, by index in `rows`
   * (where they stand as null): they hold a number a double cannot hold,
   * which JSON would turn into null.
   */
  texts: z.record(z.string(), z.string()).optional(),
  /** Rows too large for a message, by index in `rows` (where they stand as null): their length and how they begin. */
  oversized: z.record(z.string(), z.object({ chars: count, head: z.string() })).optional(),
});
export const InsertOk = z.object({
  type: z.literal('insert_ok'),
  ...reply,
  offset: position,
  count,
  inserted: count,
  rejected: count,
  /** Rows acknowledged but held back, undecided, until the batch that seals the stream decides them. */
  deferred: count,
});

/**
 * Which of these ids does the node hold? Without a producer, answered at once
 * from what the table holds now (a person asking with `dbsim lookup`). With
 * one, an id is missing only once that producer's stream has ended, as a
 * later row may bring it: the answer waits until every id is decided, or,
 * `partial`, comes after the owner's next commit at the latest (or 50 ms)
 * with the ids not yet decided as `undecided`.
 */
export const Lookup = z.object({
  type: z.literal('lookup'),
  ...request,
  producer: producer.optional(),
  partial: z.boolean().optional(),
  ids: recordIds,
});
/**
 * The ids asked that the node does not hold, and, to a partial lookup, those
 * not yet decided: every other id asked it holds. Nearly every id asked is
 * held, so the answer names the few others.
 */
export const LookupOk = z.object({
  type: z.literal('lookup_ok'),
  ...reply,
  missing: recordIds,
  undecided: recordIds.optional(),
});

/** Where a node's streams stand: the newest producer it has seen (0 if none) and that producer's high-water mark. */
const delivery = { producer: count, offset: position, sealed: z.boolean() };

/** Who is there, and where its streams stand. `lossy`: the link may lose messages, so requests the node makes on it are sent again until answered. */
export const Hello = z.object({ type: z.literal('hello'), ...request, lossy: z.boolean().optional() });
export const HelloOk = z.object({ type: z.literal('hello_ok'), ...reply, node: NodeName, pid: z.number().int(), ...delivery });

export const Stats = z.object({ type: z.literal('stats'), ...request, producer });
export const StatsOk = z.object({
  type: z.literal('stats_ok'),
  ...reply,
  received: count,
  inserted: count,
  rejected: count,
  reasons: z.partialRecord(z.enum(REASONS), count),
});

/**
 * A rejected row: its id as given, its reasons, the row as the JSON text it
 * was recorded in (numbers as written), and, for each duplicate key among
 * its reasons, the id of the row that holds the key.
 */
/** For a duplicate key among a rejected row's reasons, the id of the row that holds it, per reason. */
export const TakenBy = z.partialRecord(z.enum(REASONS), z.number());
export type TakenBy = z.infer<typeof TakenBy>;

export const RejectionRecord = z.object({
  position,
  id: z.unknown(),
  reasons: reasonList,
  row: z.string(),
  takenBy: TakenBy.optional(),
});
export type RejectionRecord = z.infer<typeof RejectionRecord>;

/** One page of a producer's rejections, in stream order, after `after`. */
export const Rejections = z.object({
  type: z.literal('rejections'),
  ...request,
  producer,
  after: z.number().int().min(-1),
  limit: z.number().int().positive().max(10_000),
});
export const RejectionsOk = z.object({ type: z.literal('rejections_ok'), ...reply, rejections: z.array(RejectionRecord) });

/** A fingerprint of everything the node holds (rows and rejections, not when), to compare two runs' outcomes. */
export const Digest = z.object({ type: z.literal('digest'), ...request });
export const DigestOk = z.object({ type: z.literal('digest_ok'), ...reply, rows: count, rejections: count, sha256: z.string() });

/** What a person inspecting a node wants to see first. */
export const Status = z.object({ type: z.literal('status'), ...request });
export const StatusOk = z.object({
  type: z.literal('status_ok'),
  ...reply,
  node: NodeName,
  pid: z.number().int(),
  uptimeMs: count,
  rows: count,
  rejected: count,
  ...delivery,
});

/** A read-only SQL query on the node's file, for a person inspecting it: at most `limit` rows come back. */
export const Query = z.object({ type: z.literal('query'), ...request, sql: z.string(), limit: z.number().int().positive().max(100_000) });
export const QueryOk = z.object({
  type: z.literal('query_ok'),
  ...reply,
  columns: z.array(z.string()),
  rows: z.array(z.array(z.unknown())),
  /** More rows than the limit, or than fit in a message, matched: these are the first. */
  truncated: z.boolean(),
});

/** Asks a node to send its log lines on this connection from now on, as `log` notifications. */
export const SubscribeLogs = z.object({ type: z.literal('subscribe_logs'), ...request });
export const SubscribeLogsOk = z.object({ type: z.literal('subscribe_logs_ok'), ...reply });
/** One log line, as the node wrote it; a notification, neither request nor reply. */
export const Log = z.object({ type: z.literal('log'), line: z.string() });

/**
 * Ends an interrupted producer's stream for good (`--keep --abandon`): the
 * rows it held back are rejected as run_abandoned, and the stream counts as
 * sealed. Answered with the node's state then.
 */
export const Abandon = z.object({ type: z.literal('abandon'), ...request, producer });
export const AbandonOk = z.object({ type: z.literal('abandon_ok'), ...reply, abandoned: count, ...delivery });

/**
 * Empties the node's database, for a fresh run, once the run has checked
 * everything it needs, if its streams still stand where the run saw them
 * (`delivery`, as its hello said): a repeat that comes late changes nothing.
 * Answered with the state then.
 */
export const Reset = z.object({ type: z.literal('reset'), ...request, ...delivery });
export const ResetOk = z.object({ type: z.literal('reset_ok'), ...reply, ...delivery });

export const Shutdown = z.object({ type: z.literal('shutdown'), ...request });
/** Answered once the transaction in progress has committed: with how far the node's streams got. */
export const ShutdownOk = z.object({ type: z.literal('shutdown_ok'), ...reply, ...delivery });

/** Is the other end of the link still there? Answered by the channel itself, never by the program behind it. */
export const Ping = z.object({ type: z.literal('ping'), ...request });
export const PingOk = z.object({ type: z.literal('ping_ok'), ...reply });

/**
 * Definite errors promise the request had no effect; indefinite ones (a
 * timeout, a peer that died or went silent mid-request) promise nothing.
 */
export const ERROR_CODES = ['malformed_message', 'not_supported', 'out_of_order', 'unavailable', 'timeout', 'too_large'] as const;
export const ErrorBody = z.object({
  type: z.literal('error'),
  in_reply_to: z.number().int().nonnegative().optional(),
  code: z.enum(ERROR_CODES),
  definite: z.boolean(),
  text: z.string(),
  /** With out_of_order: the offset the node takes next, unless the stream is sealed. */
  expected: position.optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** The requests a node serves; each `x` is answered by `x_ok` or an error. */
export const RequestBody = z.discriminatedUnion('type', [
  Insert,
  Lookup,
  Hello,
  Stats,
  Rejections,
  Digest,
  Status,
  Query,
  SubscribeLogs,
  Abandon,
  Reset,
  Shutdown,
]);
export const ReplyBody = z.discriminatedUnion('type', [
  InsertOk,
  LookupOk,
  HelloOk,
  StatsOk,
  RejectionsOk,
  DigestOk,
  StatusOk,
  QueryOk,
  SubscribeLogsOk,
  AbandonOk,
  ResetOk,
  ShutdownOk,
  ErrorBody,
]);
export const Body = z.union([RequestBody, ReplyBody, Ping, PingOk, Log]);

export type RequestBody = z.infer<typeof RequestBody>;
export type ReplyBody = z.infer<typeof ReplyBody>;
export type Body = z.infer<typeof Body>;
export type RequestType = RequestBody['type'];
export type Request<T extends RequestType> = Extract<RequestBody, { type: T }>;
/** What each request is answered with when it succeeds, by the `x` → `x_ok` convention. */
export type ReplyTo<T extends RequestType> = Extract<ReplyBody, { type: `${T}_ok` }>;

/** Omit for each member of a union, so the union survives. */
export type Without<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** What a message says, without the fields the protocol adds: its type and the ids that pair requests with replies. */
export type Payload<T> = Omit<T, 'type' | 'msg_id' | 'in_reply_to'>;
/** A reply as its sender writes it: in_reply_to is added from the request. */
export type Unanswered = Without<ReplyBody, 'in_reply_to'>;

/** Maelstrom's envelope: every message names its sender and its addressee. */
export const Envelope = z.object({ src: z.string().min(1), dest: z.string().min(1), body: Body });
export type Envelope = z.infer<typeof Envelope>;

/** What a message says, as a value: its payload without the protocol's fields. */
export function payload<T extends { type: string }>(body: T): Payload<T> {
  const { type: _, msg_id: __, in_reply_to: ___, ...rest } = body as T & { msg_id?: unknown; in_reply_to?: unknown };
  return rest as Payload<T>;
}

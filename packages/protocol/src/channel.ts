import type { Duplex } from 'node:stream';
import { encodeLine, type Line, LineDecoder, MAX_LINE_BYTES, type Outgoing, type OutgoingInsert, writeLine } from './line-codec.js';
import { DEFAULT_LIVENESS, type Liveness, watchTiming } from './liveness.js';
import { messagesCounted, tally } from './message-counts.js';
import { Envelope, type ErrorBody, type ReplyBody, type ReplyTo, type RequestBody, type Without } from './messages.js';
import { AnswerTimes, RESEND_MAX_MS, type Resend } from './resend.js';

/** A request that failed: `definite` says whether it surely had no effect. */
export class RemoteError extends Error {
  constructor(readonly body: ErrorBody) {
    super(`${body.code}: ${body.text}`);
  }
}

/** A request as its sender writes it: the channel assigns the msg_id, and an insert's rows may be encoded already. */
export type Unsent = Without<Exclude<RequestBody, { type: 'insert' }>, 'msg_id'> | Omit<OutgoingInsert, 'msg_id'>;

/**
 * msg_ids are unique in a process and count up from its start time in
 * microseconds, so a restarted node never reuses one of its predecessor's:
 * a peer still handling the old request cannot take the new one for a repeat.
 */
let nextMsgId = Date.now() * 1000;

export interface RequestOptions {
  /** The request fails as indefinite (`timeout`) unless answered within this many ms. */
  deadlineMs?: number;
  /** Lets the caller send the request again at once, when it has reason to think it or its answer lost. */
  resend?: Resend;
}

/** Why a channel closed: its stream ended or failed, the peer went silent, or its owner closed it. */
export type CloseReason = 'ended' | 'silent' | 'closed';

interface Pending {
  resolve(body: ReplyBody): void;
  reject(error: Error): void;
  deadline: NodeJS.Timeout | undefined;
  /** The request as sent, sent again as it is until answered. */
  line: Line;
  type: string;
  sentAt: number;
  resend: NodeJS.Timeout | undefined;
  resent: boolean;
}

/**
 * One end of a connection that carries envelopes as lines of JSON over any
 * byte stream: the loopback connection to a forked node, a Unix socket or
 * a TCP socket; or over a stream that takes lines whole (the
 * orchestrator's net, whose link to the node is such a byte stream).
 * Requests get fresh msg_ids and their replies resolve the returned promise.
 *
 * This is the one design for waiting on replies: a request waits while its
 * peer lives (answers pings) and, if the caller gave one, until its deadline;
 * when the peer goes silent or the link closes, every pending request fails
 * as indefinite. Nothing waits forever on a peer that will never answer.
 */
export class Channel {
  readonly #pending = new Map<number, Pending>();
  readonly #answerTimes = new AnswerTimes();
  #onMessage: (message: Envelope) => void = () => {};
  #onInvalid: (problem: string, raw: unknown) => void = () => {};
  #onClose: (reason: CloseReason) => void = () => {};
  #closed = false;
  #lastHeard = Date.now();
  /** Who is at the other end, as its messages name it: pings go there. */
  #peer = 'peer';
  #watch: NodeJS.Timeout | undefined;

  /** `liveness` undefined: the peer is not watched until watch() says how (requests may still carry deadlines). */
  constructor(
    readonly address: string,
    private readonly stream: Duplex,
    private liveness: Liveness | undefined = DEFAULT_LIVENESS,
  ) {
    const decoder = new LineDecoder(
      (line) => this.#receive(line),
      () => this.#onInvalid('line too long', undefined),
    );
    stream.on('data', (chunk: Buffer) => {
      this.#lastHeard = Date.now();
      decoder.write(chunk);
    });
    stream.on('error', () => this.#close('ended'));
    stream.on('close', () => this.#close('ended'));
    stream.on('end', () => this.#close('ended')); // the peer is done: nothing it owes us will come
    if (liveness?.always) this.#startWatch();
  }

  /** Watches the peer from now on as `liveness` says: a supervisor starts watching its node once it has answered its hello. */
  watch(liveness: Liveness): this {
    this.#stopWatch();
    this.liveness = liveness;
    this.#lastHeard = Date.now();
    if (liveness.always || this.#pending.size > 0) this.#startWatch();
    return this;
  }

  /** Messages that are not replies to our own requests. */
  onMessage(handler: (message: Envelope) => void): this {
    this.#onMessage = handler;
    return this;
  }

  /** Lines that are not valid envelopes, with whatever could be parsed of them. */
  onInvalid(handler: (problem: string, raw: unknown) => void): this {
    this.#onInvalid = handler;
    return this;
  }

  /** Called once when the link is lost, before the requests still waiting are failed. */
  onClose(handler: (reason: CloseReason) => void): this {
    this.#onClose = handler;
    return this;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Requests sent again for want of an answer, since the channel opened. */
  resent = 0;
  /** The link may lose messages (a chaos run's): requests are sent again until answered. */
  lossy = false;

  /**
   * Sends one message; false when the link is closed, or the stream's buffer
   * is full (the net's links buffer lines, and hold inserts, themselves). A
   * message longer than the frame limit is not sent: the receiver would drop
   * it unread and never answer.
   */
  send(message: Outgoing): boolean {
    return this.#write(encodeLine(message), message.body.type);
  }

  #write(line: Line, type: string): boolean {
    if (this.#closed) return false;
    if (line.length > MAX_LINE_BYTES) {
      throw new RemoteError({
        type: 'error',
        code: 'too_large',
        definite: true,
        text: `a ${type} of ${line.length} ${typeof line === 'string' ? 'characters' : 'bytes'} is over the frame limit`,
      });
    }
    tally(messagesCounted.sent, type);
    // A stream that takes lines whole (the orchestrator's net) gets the line as it is; a byte stream, its bytes.
    return this.stream.writableObjectMode ? this.stream.write(line) : writeLine(this.stream, line);
  }

  request<B extends Unsent>(dest: string, body: B, options: RequestOptions = {}): Promise<ReplyTo<B['type']>> {
    const msgId = nextMsgId++;
    return new Promise((resolve, reject) => {
      if (this.#closed) {
        reject(unavailable(`channel to ${dest} is closed`));
        return;
      }
      if (this.#pending.size === 0 && this.liveness !== undefined && !this.liveness.always) {
        this.#lastHeard = Date.now(); // the peer owed us nothing until now: its silence counts from here
        this.#startWatch();
      }
      const deadline =
        options.deadlineMs === undefined
          ? undefined
          : setTimeout(() => {
              this.#settle(msgId)?.reject(
                new RemoteError({
                  type: 'error',
                  code: 'timeout',
                  definite: false,
                  text: `no answer from ${dest} in ${options.deadlineMs} ms`,
                }),
              );
            }, options.deadlineMs);
      // The ids first, where whoever reads the line's head (the history, the network's faults) finds them.
      const line = encodeLine({ src: this.address, dest, body: { msg_id: msgId, ...body } } as Outgoing);
      const pending: Pending = {
        resolve: resolve as (body: ReplyBody) => void,
        reject,
        deadline,
        line,
        type: body.type,
        sentAt: performance.now(),
        resend: undefined,
        resent: false,
      };
      this.#pending.set(msgId, pending);
      try {
        this.#write(line, body.type);
      } catch (error) {
        this.#settle(msgId)?.reject(error as Error);
        return;
      }
      if (this.lossy) this.#resendLater(msgId, pending, this.#answerTimes.resendAfter(body.type));
      options.resend?.bind(() => this.#sendAgain(msgId, pending));
    });
  }

  #resendLater(msgId: number, pending: Pending, afterMs: number): void {
    pending.resend = setTimeout(() => {
      if (this.#sendAgain(msgId, pending)) this.#resendLater(msgId, pending, Math.min(afterMs * 2, RESEND_MAX_MS));
    }, afterMs);
    pending.resend.unref();
  }

  /** Sends a request that still waits again, as it was; false once it is answered or the link is closed. */
  #sendAgain(msgId: number, pending: Pending): boolean {
    if (this.#pending.get(msgId) !== pending || this.#closed) return false;
    this.resent++;
    pending.resent = true;
    // Each write of an insert's line lets go of a hold on its rows (see InsertLine): written again, it takes another.
    if (typeof pending.line !== 'string') pending.line.rows.hold();
    this.#write(pending.line, pending.type);
    return true;
  }

  close(): void {
    this.stream.end();
    this.#close('closed');
  }

  #receive(line: string): void {
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      this.#onInvalid('not JSON', line.length > 200 ? `${line.slice(0, 200)}…` : line);
      return;
    }
    const parsed = Envelope.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      this.#onInvalid(`${issue?.path.join('.') || 'message'}: ${issue?.message ?? 'invalid'}`, raw);
      return;
    }
    const message = parsed.data;
    const { body } = message;
    tally(messagesCounted.received, body.type);
    this.#peer = message.src;
    if (body.type === 'ping') {
      this.send({ src: this.address, dest: message.src, body: { type: 'ping_ok', in_reply_to: body.msg_id } });
      return;
    }
    if (body.type === 'ping_ok') return; // hearing it was the point
    const replyTo = 'in_reply_to' in body ? body.in_reply_to : undefined;
    if (message.dest !== this.address || replyTo === undefined) {
      this.#onMessage(message);
      return;
    }
    // A reply to a request answered already (a repeat's answer, or a duplicate) or given up: nobody waits for it.
    const waiting = this.#settle(replyTo);
    if (waiting === undefined) return;
    // Karn's rule: only an answer to a request sent once says how long answers take.
    if (!waiting.resent) this.#answerTimes.answered(waiting.type, performance.now() - waiting.sentAt);
    if (body.type === 'error') waiting.reject(new RemoteError(body));
    else waiting.resolve(body as ReplyBody);
  }

  /** Takes a pending request off the books, if it is still on them. */
  #settle(msgId: number): Pending | undefined {
    const pending = this.#pending.get(msgId);
    if (pending === undefined) return undefined;
    this.#pending.delete(msgId);
    clearTimeout(pending.deadline);
    clearTimeout(pending.resend);
    if (this.#pending.size === 0 && !this.liveness?.always) this.#stopWatch();
    return pending;
  }

  #startWatch(): void {
    const { liveness } = this;
    if (this.#watch !== undefined || this.#closed || liveness === undefined) return;
    const { pingAfterMs, tickMs } = watchTiming(liveness);
    this.#watch = setInterval(() => {
      const quietMs = Date.now() - this.#lastHeard;
      if (quietMs >= liveness.silentMs) {
        this.stream.destroy();
        this.#close('silent');
      } else if (quietMs >= pingAfterMs) {
        this.send({ src: this.address, dest: this.#peer, body: { type: 'ping', msg_id: nextMsgId++ } });
      }
    }, tickMs);
    this.#watch.unref();
  }

  #stopWatch(): void {
    clearInterval(this.#watch);
    this.#watch = undefined;
  }

  #close(reason: CloseReason): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopWatch();
    this.#onClose(reason);
    const why = reason === 'silent' ? `no answer for ${this.liveness?.silentMs} ms` : 'connection closed';
    for (const msgId of [...this.#pending.keys()]) this.#settle(msgId)?.reject(unavailable(why));
  }
}

function unavailable(text: string): RemoteError {
  return new RemoteError({ type: 'error', code: 'unavailable', definite: false, text });
}

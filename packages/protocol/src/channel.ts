import type { Duplex } from 'node:stream';
import { type EncodedJson, encodeLine, LineDecoder } from './line-codec.js';
import {
  Envelope,
  type Envelope as EnvelopeOf,
  type ErrorBody,
  type ReplyBody,
  type ReplyTo,
  type RequestBody,
  type Without,
} from './messages.js';

/** A request that failed: `definite` says whether it surely had no effect. */
export class RemoteError extends Error {
  constructor(readonly body: ErrorBody) {
    super(`${body.code}: ${body.text}`);
  }
}

/** An insert's rows may be sent encoded already. */
type Sendable<B> = B extends { type: 'insert' } ? Omit<B, 'rows'> & { rows: unknown[] | EncodedJson } : B;

/** A request as its sender writes it: the channel assigns the msg_id. */
export type Unsent = Sendable<Without<RequestBody, 'msg_id'>>;

/**
 * One end of a connection that carries envelopes as lines of JSON over any
 * byte stream: the pipe to a forked node, a Unix socket or a TCP socket.
 * Requests get fresh msg_ids and their replies resolve the returned promise.
 */
export class Channel {
  #nextId = 0;
  readonly #pending = new Map<number, { resolve: (body: ReplyBody) => void; reject: (error: Error) => void }>();
  #onMessage: (message: EnvelopeOf) => void = () => {};
  #onInvalid: (problem: string, raw: unknown) => void = () => {};
  #onClose: () => void = () => {};
  #closed = false;

  constructor(
    readonly address: string,
    private readonly stream: Duplex,
  ) {
    const decoder = new LineDecoder(
      (line) => this.#receive(line),
      () => this.#onInvalid('line too long', undefined),
    );
    stream.on('data', (chunk: Buffer) => decoder.write(chunk));
    stream.on('error', () => this.#close());
    stream.on('close', () => this.#close());
    stream.on('end', () => this.#close()); // the peer is done: nothing it owes us will come
  }

  /** Messages that are not replies to our own requests. */
  onMessage(handler: (message: EnvelopeOf) => void): this {
    this.#onMessage = handler;
    return this;
  }

  /** Lines that are not valid envelopes, with whatever could be parsed of them. */
  onInvalid(handler: (problem: string, raw: unknown) => void): this {
    this.#onInvalid = handler;
    return this;
  }

  /** Called once when the connection is lost, before the requests still waiting are failed. */
  onClose(handler: () => void): this {
    this.#onClose = handler;
    return this;
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(message: EnvelopeOf): boolean {
    if (this.#closed) return false;
    return this.stream.write(encodeLine(message));
  }

  request<B extends Unsent>(dest: string, body: B): Promise<ReplyTo<B['type']>> {
    const msgId = this.#nextId++;
    return new Promise((resolve, reject) => {
      if (this.#closed) {
        reject(unavailable(`channel to ${dest} is closed`));
        return;
      }
      this.#pending.set(msgId, { resolve: resolve as (body: ReplyBody) => void, reject });
      this.send({ src: this.address, dest, body: { ...body, msg_id: msgId } as RequestBody });
    });
  }

  close(): void {
    this.stream.end();
    this.#close();
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
    const message = parsed.data as EnvelopeOf;
    const body = message.body;
    const replyTo = 'in_reply_to' in body ? body.in_reply_to : undefined;
    const waiting = message.dest === this.address && replyTo !== undefined ? this.#pending.get(replyTo) : undefined;
    if (waiting === undefined || replyTo === undefined) {
      this.#onMessage(message);
      return;
    }
    this.#pending.delete(replyTo);
    if (body.type === 'error') waiting.reject(new RemoteError(body));
    else waiting.resolve(body as ReplyBody);
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose();
    for (const { reject } of this.#pending.values()) reject(unavailable('connection closed'));
    this.#pending.clear();
  }
}

function unavailable(text: string): RemoteError {
  return new RemoteError({ type: 'error', code: 'unavailable', definite: false, text });
}

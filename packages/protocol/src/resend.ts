/**
 * On a link that may lose messages (a chaos run's), a request not answered
 * in time is sent again, with the same msg_id, then after twice as long each
 * time up to RESEND_MAX_MS, for as long as it waits: the link may have lost
 * the request or its reply, and a live peer that answers pings says nothing
 * of either. Receivers take a repeat they are still handling for none, and
 * every request is idempotent, so a repeat after the answer is answered
 * again, to the same effect. In time means as TCP reckons it (RFC 6298), per
 * request type: the smoothed time answers took plus four times their
 * variation, from answers to requests sent once, at least RESEND_MIN_MS;
 * RESEND_FIRST_MS before the first answer. A pipe or a TCP connection loses
 * nothing short of closing, which fails every request waiting on it: there
 * a request is sent once.
 */
export const RESEND_FIRST_MS = 500;
export const RESEND_MIN_MS = 50;
export const RESEND_MAX_MS = 2000;

/** How long answers take on a channel, per request type: the smoothed time and its variation, in ms. */
export class AnswerTimes {
  readonly #times = new Map<string, { smoothed: number; variation: number }>();

  /** When to send a request of this type again. */
  resendAfter(type: string): number {
    const times = this.#times.get(type);
    if (times === undefined) return RESEND_FIRST_MS;
    return Math.min(Math.max(times.smoothed + 4 * times.variation, RESEND_MIN_MS), RESEND_MAX_MS);
  }

  answered(type: string, ms: number): void {
    const times = this.#times.get(type);
    if (times === undefined) {
      this.#times.set(type, { smoothed: ms, variation: ms / 2 });
      return;
    }
    times.variation = 0.75 * times.variation + 0.25 * Math.abs(times.smoothed - ms);
    times.smoothed = 0.875 * times.smoothed + 0.125 * ms;
  }
}

/**
 * A caller's way to send its request again before its time (TCP's fast
 * retransmit): the answer to a later request, or a refusal that says an
 * earlier one never came, tells it more than a timer can.
 */
export class Resend {
  #send: (() => void) | undefined;
  #last = 0;

  /** Set by the channel while the request waits. */
  bind(send: (() => void) | undefined): void {
    this.#send = send;
  }

  /** Sends the request again, unless it has just been sent. */
  now(): void {
    if (this.#send === undefined || performance.now() - this.#last < RESEND_MIN_MS / 4) return;
    this.#last = performance.now();
    this.#send();
  }
}

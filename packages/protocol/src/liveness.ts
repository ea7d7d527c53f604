/**
 * How a channel tells a live peer from one that will never answer. Any line
 * from the peer shows it is there; after `pingMs` of quiet the channel pings
 * it, and after `silentMs` it gives the peer up: the link is closed and every
 * request still waiting fails as indefinite. By default the peer is watched
 * only while a request waits for it; `always` watches it all the time (a
 * supervisor watching its node).
 */
export interface Liveness {
  pingMs: number;
  silentMs: number;
  always?: boolean;
}

/** How often the watch looks, and how soon it pings: often enough that a live peer is never taken for silent. */
export const watchTiming = ({ pingMs, silentMs }: Liveness) => {
  const pingAfterMs = Math.min(pingMs, silentMs / 3);
  return { pingAfterMs, tickMs: Math.max(1, Math.round(pingAfterMs / 2)) };
};

export const DEFAULT_LIVENESS: Liveness = { pingMs: 1000, silentMs: 10_000 };

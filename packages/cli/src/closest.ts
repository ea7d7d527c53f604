import { distance } from 'fastest-levenshtein';

/** The candidate nearest to what was typed, if one is near enough to be a typo: at most 40% of it different, as commander judges options. */
export function closest(typed: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const d = distance(typed, candidate);
    if (d <= Math.max(1, Math.floor(candidate.length * 0.4)) && (best === undefined || d < best.distance))
      best = { candidate, distance: d };
  }
  return best?.candidate;
}

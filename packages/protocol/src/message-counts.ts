/** Every message this process's channels have sent and received, by type: its own count, to check any record of them against. */
export const messagesCounted: { sent: Record<string, number>; received: Record<string, number> } = { sent: {}, received: {} };

export function tally(counts: Record<string, number>, type: string): void {
  counts[type] = (counts[type] ?? 0) + 1;
}

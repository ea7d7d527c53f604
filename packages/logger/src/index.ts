import { type DestinationStream, type Logger, pino } from 'pino';
import { syncDestination } from './sync-destination.js';

export * from './events.js';
export { type SyncDestination, syncDestination } from './sync-destination.js';
export type { DestinationStream, Logger };

/** stdout, written synchronously: a node may be SIGKILLed at any moment, and pino's asynchronous buffer would die with it. */
export function syncStdout(): DestinationStream {
  return syncDestination(1);
}

/** What a process has used so far, for the line it logs as it ends: peak RSS and CPU time (user and system). */
export function usage(): { maxRssKb: number; cpuMs: number } {
  const { maxRSS, userCPUTime, systemCPUTime } = process.resourceUsage();
  return { maxRssKb: maxRSS, cpuMs: Math.round((userCPUTime + systemCPUTime) / 1000) };
}

/** One JSON line per event, named for the process that writes it (`users-node`), on synchronous stdout unless told otherwise. */
export function createLogger(name: string, destination: DestinationStream = syncStdout()): Logger {
  return pino(
    {
      name,
      level: process.env.LOG_LEVEL || 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

/**
 * One JSON line per event on stdout. Writes are synchronous: a node may be
 * SIGKILLed at any moment, and pino's asynchronous buffer would die with it.
 */
export function createLogger(name: string, destination: DestinationStream = pino.destination({ fd: 1, sync: true })): Logger {
  return pino(
    {
      level: process.env.LOG_LEVEL ?? 'info',
      base: { node: name, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

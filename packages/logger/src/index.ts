import { type DestinationStream, type Logger, pino } from 'pino';

export type { DestinationStream, Logger };

/** stdout, written synchronously: a node may be SIGKILLed at any moment, and pino's asynchronous buffer would die with it. */
export function syncStdout(): DestinationStream {
  return pino.destination({ fd: 1, sync: true });
}

/** One JSON line per event, on synchronous stdout unless told otherwise. */
export function createLogger(name: string, destination: DestinationStream = syncStdout()): Logger {
  return pino(
    {
      level: process.env.LOG_LEVEL ?? 'info',
      base: { node: name, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

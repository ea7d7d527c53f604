/** An error the user caused and can fix: shown as one line, never as a stack trace. */
export class UsageError extends Error {}

/** pino's levels: LOG_LEVEL must name one, or every process would refuse to start with pino's own message. */
const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

async function checkLogLevel(): Promise<void> {
  const level = process.env.LOG_LEVEL;
  if (level !== undefined && level !== '' && !LEVELS.includes(level)) {
    throw new UsageError(`LOG_LEVEL=${level} is not a log level: use one of ${LEVELS.join(', ')}`);
  }
}

/** The stack of an error and of each error it wraps (`cause`), for whoever debugs it. */
export function stackOf(error: unknown): string {
  const lines: string[] = [];
  for (let current: unknown = error, depth = 0; current !== undefined && depth < 10; depth++) {
    lines.push(`${depth === 0 ? '' : 'caused by: '}${current instanceof Error ? (current.stack ?? current.message) : String(current)}`);
    current = current instanceof Error ? current.cause : undefined;
  }
  return lines.join('\n');
}

/** 2 for a usage error, the code an error says it wants (`exitCode`), otherwise 1. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return 2;
  const code = (error as { exitCode?: unknown } | undefined)?.exitCode;
  return typeof code === 'number' ? code : 1;
}

/** Whether output failed because its reader went away (`| head`): that ends the output, as it ends any Unix tool's, quietly. */
function readerGone(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';
}

/**
 * Runs a command's body. Whatever goes wrong ends the process with one line
 * on stderr and a non-zero exit (2 for a usage error, 1 otherwise): a user
 * reads a sentence, not a stack trace. With LOG_LEVEL=debug an error that
 * is not the user's also shows its stack, and the stacks of what it wraps.
 */
export function runMain(program: string, main: () => Promise<number | undefined>): void {
  const fail = (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${program}: ${message.split('\n')[0]}\n`);
    const debugging = ['debug', 'trace'].includes(process.env.LOG_LEVEL ?? '');
    if (debugging && !(error instanceof UsageError)) process.stderr.write(`${stackOf(error)}\n`);
    process.exitCode = exitCodeOf(error);
  };
  process.stdout.on('error', (error) => {
    if (!readerGone(error)) fail(error);
    process.exit();
  });
  checkLogLevel()
    .then(main)
    .then(
      (code) => {
        process.exitCode = code ?? 0;
      },
      (error: unknown) => {
        if (readerGone(error)) process.exitCode = 0;
        else fail(error);
      },
    );
}

/** An error the user caused and can fix: shown as one line, never as a stack trace. */
export class UsageError extends Error {}

/**
 * Runs a command's body. Whatever goes wrong ends the process with one line
 * on stderr and a non-zero exit: a user reads a sentence, not a stack trace.
 */
export function runMain(program: string, main: () => Promise<number | undefined>): void {
  main().then(
    (code) => {
      process.exitCode = code ?? 0;
    },
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`${program}: ${message.split('\n')[0]}\n`);
      process.exitCode = error instanceof UsageError ? 2 : 1;
    },
  );
}

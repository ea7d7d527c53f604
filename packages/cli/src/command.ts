import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { UsageError } from './main.js';
import { repoRoot } from './paths.js';

export { Command, InvalidArgumentError, Option };

/** The project's version: the root package.json's. */
export function version(): string {
  return (JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * A command line as every program here has one (commander): options with a
 * description and a default each, `--help` and `--version`, and every
 * mistake one line with the closest valid option, exit code 2.
 */
export function command(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .version(version(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .showSuggestionAfterError(true)
    .allowExcessArguments(false)
    .configureOutput({ outputError: () => {} }) // runMain prints the one line
    .exitOverride();
}

/**
 * Parses the arguments given to the program; undefined when it printed its
 * help or version and should exit 0. A leading `--` is dropped: pnpm 12
 * passes on the one in `pnpm start -- --dir DIR`.
 */
export async function parse(program: Command, args: readonly string[] = process.argv.slice(2)): Promise<Command | undefined> {
  try {
    await program.parseAsync(args[0] === '--' ? args.slice(1) : [...args], { from: 'user' });
    return program;
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (error.exitCode === 0) return undefined;
    throw new UsageError(oneLine(error.message), { cause: error });
  }
}

/** commander's "error: unknown option '--dri'\n(Did you mean --dir?)" as "unknown option '--dri' (did you mean --dir?)". */
function oneLine(message: string): string {
  return message
    .replace(/^error: /, '')
    .replace(/\n\(Did you mean (.*)\?\)/, ' (did you mean $1?)')
    .replaceAll('\n', ' ')
    .trim();
}

/** Whether the user gave this option (named as on the command line, `invalid-rate`), rather than it having its default. */
export function given(program: Command, option: string): boolean {
  const source = program.getOptionValueSource(option.replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase()));
  return source !== undefined && source !== 'default';
}

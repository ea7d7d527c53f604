import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fsProblem } from './fs-errors.js';
import { UsageError } from './main.js';

/** The monorepo's root: the nearest folder above this file with a pnpm-workspace.yaml. */
export function repoRoot(from: string = fileURLToPath(import.meta.url)): string {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (dirname(dir) === dir) return process.cwd();
  }
}

/** Where runs write their files unless told otherwise. */
export function defaultDatabasesDir(): string {
  return join(repoRoot(), 'databases');
}

/**
 * A path the user typed, resolved against the folder they typed it in: pnpm
 * runs a package's script in the package's folder but keeps the caller's in
 * INIT_CWD.
 */
export function userPath(path: string): string {
  return resolve(process.env.INIT_CWD ?? process.cwd(), path);
}

/**
 * Makes `dir`, and the folders above it that are missing, unless it is one
 * to write in already; refuses in words what is wrong with the path, naming
 * it as `name` (an option, such as --dir). Parents are made one at a time
 * rather than with a recursive mkdir, which in Node loops forever where
 * mkdir says a parent is missing that is there (procfs: --dir /proc/x).
 */
export function writableFolder(dir: string, name: string): void {
  const refuse = (problem: string, cause?: unknown) => new UsageError(`${name} ${dir}: ${problem}`, { cause });
  const missing: string[] = [];
  try {
    if (statSync(dir, { throwIfNoEntry: false })?.isDirectory() === false) throw refuse('it is a file, not a folder');
    for (let path = resolve(dir); !existsSync(path); path = dirname(path)) missing.unshift(path);
    for (const path of missing) mkdirSync(path);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw refuse(missing.length > 0 ? `cannot make the folder: ${fsProblem(error)}` : fsProblem(error), error);
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw refuse(fsProblem(error), error);
  }
}

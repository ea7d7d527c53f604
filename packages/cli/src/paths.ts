import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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

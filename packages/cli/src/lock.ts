import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { UsageError } from './main.js';

/** Something another process holds: a run on the same folder, or a node on the same file. */
export class InUse extends UsageError {}

/** Where the process that holds `file` writes who it is: the OS lock itself can say nothing. */
const holderFile = (file: string) => `${file}.pid`;

/** Writes who holds `file` beside it, once the lock is ours. */
export function recordHolder(file: string, what: string): void {
  writeFileSync(holderFile(file), `${JSON.stringify({ pid: process.pid, what, since: new Date().toISOString() })}\n`);
}

/** Removes the note, as the lock is let go; a note left by a crash is harmless, as it is read only while the lock is held. */
export function forgetHolder(file: string): void {
  rmSync(holderFile(file), { force: true });
}

/** How long a holder may take between taking its lock and writing who it is. */
const NOTE_WAIT_MS = 500;
const pause = new Int32Array(new SharedArrayBuffer(4));

/** Who holds `file`, in words, from the note its holder wrote, waiting a little for one that has only just taken it. */
export function holderOf(file: string): string {
  for (const started = Date.now(); ; Atomics.wait(pause, 0, 0, 10)) {
    try {
      const { pid, what, since } = JSON.parse(readFileSync(holderFile(file), 'utf8')) as { pid: number; what: string; since: string };
      process.kill(pid, 0); // still there?
      return `${what} (pid ${pid}, since ${new Date(since).toLocaleTimeString('en-GB')})`;
    } catch {
      if (Date.now() - started > NOTE_WAIT_MS) return 'another process';
    }
  }
}

/** Whether an error is SQLite saying another connection holds the file. */
export function isBusy(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === 'SQLITE_BUSY';
}

/**
 * Holds a lock on `file` (a small SQLite file of its own) until released,
 * or until this process dies: SQLite's exclusive locking mode takes an OS
 * lock, which the OS drops with the process, so a crash never leaves a
 * stale lock. Refused at once, with who holds it, when another process has
 * it. `what` names this process for the message others get.
 */
export function acquireLock(file: string, what: string, refusal: (holder: string) => string): { release(): void } {
  const lock = new Database(file, { timeout: 0 });
  try {
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.exec('BEGIN EXCLUSIVE; COMMIT');
  } catch (error) {
    lock.close();
    if (isBusy(error)) throw new InUse(refusal(holderOf(file)), { cause: error });
    throw error;
  }
  recordHolder(file, what);
  return {
    release() {
      forgetHolder(file);
      lock.close();
    },
  };
}

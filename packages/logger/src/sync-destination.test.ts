import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { syncDestination } from './sync-destination.js';

describe('syncDestination', () => {
  it('waits for a slow reader of a full non-blocking pipe rather than dropping or failing', async () => {
    const reader = spawn('sh', ['-c', 'sleep 0.3; wc -c'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let counted = '';
    reader.stdout.on('data', (chunk: Buffer) => {
      counted += chunk;
    });
    const fd = (reader.stdin as unknown as { _handle: { fd: number } })._handle.fd;
    const destination = syncDestination(fd);
    const line = `${'x'.repeat(999)}\n`;
    for (let i = 0; i < 2000; i++) destination.write(line);
    destination.flush();
    reader.stdin.end();
    await new Promise((resolve) => reader.on('close', resolve));
    expect(Number(counted.trim())).toBe(2_000_000);
  });

  it('drops lines once the reader has gone', async () => {
    // The reader closes its end of the pipe at once and lives on a little, so the writing end stays open here.
    const reader = spawn('sh', ['-c', 'exec 0<&-; sleep 0.5'], { stdio: ['pipe', 'ignore', 'inherit'] });
    const fd = (reader.stdin as unknown as { _handle: { fd: number } })._handle.fd;
    await new Promise((resolve) => setTimeout(resolve, 200));
    const destination = syncDestination(fd);
    expect(() => {
      destination.write('lost\n');
      destination.flush();
      destination.write('lost too\n');
      destination.flush();
    }).not.toThrow();
    reader.kill();
  });

  /** Two files in a fresh folder: one open for writing, and one that refuses every write (open read-only: EBADF). */
  function files(test: (fds: { writable: number; refusing: number; read(which: 'writable' | 'refusing'): string }) => void) {
    const dir = mkdtempSync(join(tmpdir(), 'dbsim-log-'));
    const path = (which: string) => join(dir, `${which}.log`);
    writeFileSync(path('refusing'), '');
    const writable = openSync(path('writable'), 'w');
    const refusing = openSync(path('refusing'), 'r');
    try {
      test({ writable, refusing, read: (which) => readFileSync(path(which), 'utf8') });
    } finally {
      closeSync(writable);
      closeSync(refusing);
      rmSync(dir, { recursive: true });
    }
  }

  it('keeps writing its file when its echo fails', () => {
    files(({ writable, refusing, read }) => {
      const destination = syncDestination(writable, refusing);
      destination.write('one\n');
      destination.flush();
      destination.write('two\n');
      destination.close();
      expect(read('writable')).toBe('one\ntwo\n');
      expect(destination.failure).toBeUndefined();
    });
  });

  it('reports a failure to write its file, and still echoes every line', () => {
    files(({ writable, refusing, read }) => {
      const destination = syncDestination(refusing, writable);
      destination.write('one\n');
      destination.close();
      expect(destination.failure?.code).toBe('EBADF');
      expect(read('writable')).toBe('one\n');
    });
  });

  it('writes the lines of one synchronous stretch at its end, before the next event', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbsim-log-'));
    const file = join(dir, 'out.log');
    const fd = openSync(file, 'w');
    try {
      const destination = syncDestination(fd);
      destination.write('one\n');
      destination.write('two\n');
      expect(readFileSync(file, 'utf8')).toBe('');
      await Promise.resolve();
      expect(readFileSync(file, 'utf8')).toBe('one\ntwo\n');
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true });
    }
  });
});

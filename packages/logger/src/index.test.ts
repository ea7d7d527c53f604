import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from './index.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  return { lines, stream: { write: (line: string) => void lines.push(JSON.parse(line)) } };
}

describe('createLogger', () => {
  const saved = process.env.LOG_LEVEL;
  afterEach(() => {
    process.env.LOG_LEVEL = saved;
  });

  it('writes JSON lines that name the process, as pino’s `name`, and its pid', () => {
    const { lines, stream } = capture();
    createLogger('users-node', stream).warn({ id: 8, reasons: ['email_duplicate'] }, 'row rejected');
    expect(lines).toEqual([expect.objectContaining({ level: 40, name: 'users-node', pid: process.pid, id: 8, msg: 'row rejected' })]);
    expect(typeof lines[0]?.time).toBe('string');
  });

  it('honours LOG_LEVEL', () => {
    process.env.LOG_LEVEL = 'error';
    const { lines, stream } = capture();
    const log = createLogger('orders', stream);
    log.warn('hidden');
    log.error('shown');
    expect(lines.map((line) => line.msg)).toEqual(['shown']);
  });
});

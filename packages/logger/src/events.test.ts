import { describe, expect, it } from 'vitest';
import { logEvent, logRejection, readEvent, readLine, readRejectionKey, readRejectionKeyOf } from './events.js';
import { createLogger } from './index.js';

/** What a real pino logger, set up as every process sets it up, writes for these events. */
function written(name: string, write: (log: ReturnType<typeof createLogger>) => void): string[] {
  const lines: string[] = [];
  write(createLogger(name, { write: (line: string) => void lines.push(line) }));
  return lines;
}

const rejection = { table: 'users', run: 3, batch: 5000, position: 5007, id: 8, reasons: ['email_duplicate'] as const };

describe('the log contract', () => {
  it('reads back every field a rejection line was written with, the row as written', () => {
    const [line] = written('users-node', (log) =>
      logRejection(log, { ...rejection, reasons: [...rejection.reasons] }, '{"id":8,"price":1e309}'),
    );
    expect(readEvent(readLine(line as string), 'row rejected')).toMatchObject({
      name: 'users-node',
      level: 40,
      msg: 'row rejected',
      ...rejection,
      row: { id: 8, price: Number.POSITIVE_INFINITY },
    });
    expect(line).toContain('"row":{"id":8,"price":1e309}');
  });

  it('writes nothing below its level', () => {
    const lines: string[] = [];
    const log = createLogger('users-node', { write: (line: string) => void lines.push(line) });
    log.level = 'error';
    logRejection(log, { ...rejection, reasons: ['email_duplicate'] }, '{}');
    expect(lines).toEqual([]);
  });

  it('reads a rejection line’s key without parsing it, from real pino output', () => {
    const [line] = written('orders-node', (log) => logRejection(log, { ...rejection, reasons: ['user_missing'] }, '{"id":8}'));
    expect(readRejectionKey(line as string)).toEqual({ name: 'orders-node', run: 3, batch: 5000, position: 5007 });
    expect(readRejectionKeyOf(Buffer.from(line as string))).toEqual({ name: 'orders-node', run: 3, batch: 5000, position: 5007 });
  });

  it('reads the key from the bytes of a line whose head is longer than usual', () => {
    const name = `node-${'x'.repeat(300)}`;
    const [line] = written(name, (log) => logRejection(log, { ...rejection, reasons: ['user_missing'] }, '{"id":8}'));
    expect(readRejectionKeyOf(Buffer.from(line as string))).toEqual({ name, run: 3, batch: 5000, position: 5007 });
  });

  it('is not fooled by a row or an id that spells out the key fields', () => {
    const hostile = { '"run":9,"batch":9,"position":9,': 1, msg: 'row rejected' };
    const [line] = written('users-node', (log) =>
      logRejection(log, { ...rejection, reasons: ['field_unknown'], id: { run: 7 } }, JSON.stringify(hostile)),
    );
    expect(readRejectionKey(line as string)).toEqual({ name: 'users-node', run: 3, batch: 5000, position: 5007 });
    expect(readRejectionKeyOf(Buffer.from(line as string))).toEqual({ name: 'users-node', run: 3, batch: 5000, position: 5007 });
    const [other] = written('orchestrator', (log) => log.warn({ row: hostile }, 'something else'));
    expect(readRejectionKey(other as string)).toBeUndefined();
    expect(readRejectionKeyOf(Buffer.from(other as string))).toBeUndefined();
  });

  it('names the process a line is about in `target`, apart from the one that writes it', () => {
    const [line] = written('orchestrator', (log) => logEvent(log, 'node hung: killing it', { target: 'users-node', silentMs: 10_000 }));
    expect(readEvent(readLine(line as string), 'node hung: killing it')).toMatchObject({ name: 'orchestrator', target: 'users-node' });
    expect(Object.keys(JSON.parse(line as string)).filter((key) => key === 'name' || key === 'target')).toEqual(['name', 'target']);
  });

  it('takes a line that is not a log line, or another event, for none', () => {
    expect(readLine('turbo 2.11.11')).toBeUndefined();
    expect(readLine('{"level":30,"time":"x","pid":1,"name":"users-node","msg":"node st')).toBeUndefined();
    const [line] = written('users-node', (log) => logEvent(log, 'node stopped', { why: 'SIGINT', maxRssKb: 1, cpuMs: 2 }));
    expect(readEvent(readLine(line as string), 'row rejected')).toBeUndefined();
    expect(readEvent(readLine(line as string), 'node stopped')).toMatchObject({ why: 'SIGINT' });
  });
});

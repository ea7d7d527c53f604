import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type Logger, logEvent, logRejection } from '@dbsim/logger';
import type { Reason } from '@dbsim/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogSink, rejectionLogDigest } from './log-sink.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dbsim-log-'));
  file = join(dir, 'simulate.log');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The line a node's logger writes for an event. */
function written(node: string, write: (log: Logger) => void): string {
  const lines: string[] = [];
  write(createLogger(`${node}-node`, { write: (text: string) => void lines.push(text) }));
  return lines.join('');
}

/** A node's rejection line; `pid` and `time` make it look written by another process, at another moment. */
function rejected(node: string, position: number, { batch = 0, reasons = ['id_invalid' as Reason], pid = process.pid, time = '' } = {}) {
  return written(node, (log) => logRejection(log, { table: node, run: 1, batch, position, id: position, reasons }, '{}'))
    .replace(/"pid":\d+/, `"pid":${pid}`)
    .replace(/"time":"[^"]*"/, (found) => (time === '' ? found : `"time":"${time}"`));
}
const positions = () =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
    .map((line) => `${line.name.replace(/-node$/, '')}:${line.position ?? line.msg}`);

describe('LogSink', () => {
  it("keeps one rejection line per node and position: a restarted node's replay of its last batch is dropped", () => {
    const sink = new LogSink(file, false, false);
    for (const line of [rejected('users', 0), rejected('users', 1), rejected('orders', 0), rejected('users', 1), rejected('users', 2)])
      sink.write(line);
    sink.write(
      written('users', (log) => logEvent(log, 'node started', { dir: '.', durability: 'full', producer: 0, offset: 0, sealed: false })),
    );
    sink.close();
    expect(positions()).toEqual(['users:0', 'users:1', 'orders:0', 'users:2', 'users:node started']);
  });

  it("ends a node's line, split off its stream without its newline, with one, and knows a rejection line either way", () => {
    const sink = new LogSink(file, false, false);
    for (const line of [rejected('users', 0).trimEnd(), rejected('users', 0), rejected('users', 1).trimEnd(), rejected('users', 2)])
      sink.write(line);
    sink.close();
    expect(
      readFileSync(file, 'utf8')
        .split('\n')
        .map((line) => line.length > 0),
    ).toEqual([true, true, true, false]);
    expect(positions()).toEqual(['users:0', 'users:1', 'users:2']);
  });

  it('keeps a row decided again in another batch once: a power loss took back what decided it first', () => {
    const sink = new LogSink(file, false, false);
    // Held back at first and decided by the sealing batch 5; after a power loss, decided in its own batch 0.
    const lines = [rejected('orders', 3), rejected('orders', 1, { batch: 5 }), rejected('orders', 4, { batch: 5 })];
    for (const line of [...lines, rejected('orders', 1), rejected('orders', 2), rejected('orders', 4, { batch: 3 })]) sink.write(line);
    sink.close();
    expect(positions()).toEqual(['orders:3', 'orders:1', 'orders:4', 'orders:2']);
  });

  it('adding to a log, learns what earlier runs logged and does not log it again', async () => {
    const first = new LogSink(file, false, false);
    first.write(rejected('users', 0));
    first.write(rejected('users', 1));
    first.close();
    const resumed = await LogSink.append(file, false);
    resumed.write(rejected('users', 1));
    resumed.write(rejected('users', 2));
    resumed.close();
    expect(positions()).toEqual(['users:0', 'users:1', 'users:2']);
  });
});

describe('LogSink on a log cut short', () => {
  it('starts its first line on a line of its own, after a last line a full disk cut short', async () => {
    writeFileSync(file, `${rejected('users', 0)}{"level":40,"time":"2026-`);
    const resumed = await LogSink.append(file, false);
    resumed.write(rejected('users', 1));
    resumed.close();
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines[1]).toBe('{"level":40,"time":"2026-');
    expect(JSON.parse(lines[2] as string)).toMatchObject({ position: 1 });
  });
});

describe('rejectionLogDigest', () => {
  it('ignores time, pid and how the nodes interleave, but not what was rejected', async () => {
    const write = (name: string, lines: string[]) => {
      const sink = new LogSink(join(dir, name), false, false);
      for (const line of lines) sink.write(line);
      sink.close();
      return rejectionLogDigest(join(dir, name), 1);
    };
    const a = await write('a.log', [rejected('users', 0), rejected('orders', 0, { pid: 7 }), rejected('users', 1)]);
    const b = await write('b.log', [
      rejected('orders', 0, { time: '1970-01-01T00:00:00.000Z' }),
      rejected('users', 0),
      rejected('users', 1),
    ]);
    const c = await write('c.log', [rejected('orders', 0), rejected('users', 0), rejected('users', 1, { reasons: ['id_duplicate'] })]);
    const d = await write('d.log', [rejected('users', 1), rejected('users', 0, { batch: 2 }), rejected('orders', 0)]);
    const e = await write('e.log', [rejected('users', 0), rejected('orders', 0)]);
    expect(a).toBe(b);
    expect(d).toBe(a);
    expect(c).not.toBe(a);
    expect(e).not.toBe(a);
  });
});

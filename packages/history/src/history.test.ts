import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { readHistory } from './reader.js';
import { FAULT_MESSAGES, HistoryWriter, START_MESSAGES } from './writer.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function file(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dbsim-history-'));
  dirs.push(dir);
  return join(dir, 'history.ndjson');
}
const message = (i: number) => ({ from: 'orchestrator', to: 'users', type: 'insert', id: i, sent: i, received: i + 1 });

describe('a run’s history', () => {
  it('reads back what was written, a resumed run after the first, and leaves out a line cut short', async () => {
    const path = file();
    const first = new HistoryWriter(path);
    first.event('run', {
      run: 1,
      resumed: false,
      rows: { users: 10, products: 10, orders: null },
      settings: { batchSize: 5, window: 4, durability: 'full', hangTimeoutMs: 10_000 },
    });
    first.standing('users', { committed: 5, held: 0, inFlight: 1 });
    await sleep(150);
    first.event('end', { how: 'interrupted' });
    first.close();
    appendFileSync(path, '{"k":"tick","at":1,"no');
    const second = new HistoryWriter(path);
    second.event('end', { how: 'finished' });
    second.close();
    expect(readHistory(path).map((line) => line.k)).toEqual(['run', 'tick', 'end', 'end']);
    expect(readHistory(path)[1]).toMatchObject({ node: 'users', committed: 5, inFlight: 1 });
  });

  it('records every message of a small run, and of a large one its start, around each fault and its end', () => {
    const path = file();
    const writer = new HistoryWriter(path);
    let i = 0;
    for (; i < START_MESSAGES + 3000; i++) writer.message(message(i));
    writer.event('fault', { node: 'users', fault: 'kill' });
    for (let j = 0; j < FAULT_MESSAGES + 2000; j++, i++) writer.message(message(i));
    writer.event('end', { how: 'finished' });
    writer.close();
    const windows = new Map<string, number[]>();
    for (const line of readHistory(path))
      if (line.k === 'msg') windows.set(line.window, [...(windows.get(line.window) ?? []), line.id as number]);
    expect(windows.get('start')).toHaveLength(START_MESSAGES);
    // 500 just before the fault, FAULT_MESSAGES after it; then the last 500.
    expect(windows.get('fault')).toHaveLength(500 + FAULT_MESSAGES);
    expect(windows.get('fault')?.[500]).toBe(START_MESSAGES + 3000);
    expect(windows.get('end')).toEqual(Array.from({ length: 500 }, (_, k) => i - 500 + k));
  });

  it('writes a node’s standing at once, then at most once a tick, the latest of it', async () => {
    const path = file();
    const writer = new HistoryWriter(path);
    writer.standing('users', { committed: 0, held: 0, inFlight: 1 });
    writer.standing('users', { committed: 5, held: 0, inFlight: 1 });
    writer.standing('users', { committed: 10, held: 2, inFlight: 0 });
    await sleep(150);
    writer.close();
    expect(readHistory(path).map((line) => line.k === 'tick' && [line.committed, line.held])).toEqual([
      [0, 0],
      [10, 2],
    ]);
  });
});

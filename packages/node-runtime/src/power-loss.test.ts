import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeStore } from './store.js';
import { testNode, thing } from './test-table.js';
import { answers, openTempStore } from './testing.js';

const everyOwner = answers({ owner_id: [1, 2, 3, 4, 5, 6, 7, 8, 9] });
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/**
 * What a power cut leaves of a live node's files, without stopping the node:
 * its database, WAL and record of what was synced copied as they stand (a
 * close would checkpoint, and sync, everything), then opened as a node
 * restarted after a power loss opens them.
 */
function afterPowerLoss(file: string, durability: 'normal' | 'full' = 'normal'): NodeStore {
  const dir = mkdtempSync(join(tmpdir(), 'dbsim-power-loss-'));
  for (const suffix of ['', '-wal', '-synced'])
    if (existsSync(`${file}${suffix}`)) copyFileSync(`${file}${suffix}`, join(dir, `things.db${suffix}`));
  const store = new NodeStore(testNode.spec, join(dir, 'things.db'), {
    durability,
    migrationsFolder: testNode.migrationsFolder,
    holder: 'a test',
    loseUnsynced: true,
  });
  cleanups.push(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return store;
}

function live(durability: 'normal' | 'full') {
  const opened = openTempStore(testNode, durability);
  cleanups.push(opened.cleanup);
  const apply = (offset: number) => opened.store.apply({ producer: 1, offset, rows: [thing(offset + 1, `n${offset}`, 1)] }, everyOwner);
  return { ...opened, apply };
}

describe('a power loss', () => {
  it('under --durability normal, loses the transactions since the last checkpoint (every 8th), keeping whole ones before', () => {
    const { store, file, apply } = live('normal');
    for (let offset = 0; offset < 11; offset++) apply(offset);
    expect(store.ledger.state(1).offset).toBe(11);
    const after = afterPowerLoss(file);
    // The 8th transaction made a checkpoint; the 3 after it were in the WAL only.
    expect(after.ledger.state(1).offset).toBe(8);
    expect(after.reads.counts()).toEqual({ rows: 8, rejected: 0 });
    expect(after.reads.query('pragma integrity_check', 10).rows).toEqual([['ok']]);
  });

  it('never undoes a reset: a fresh run would take its batches for repeats of the run before', () => {
    const { store, file, apply } = live('normal');
    for (let offset = 0; offset < 10; offset++) apply(offset); // synced by the checkpoint after the 8th
    store.reset();
    apply(0);
    const after = afterPowerLoss(file);
    expect(after.ledger.latest()).toEqual({ producer: 0, offset: 0, sealed: false });
    expect(after.reads.counts()).toEqual({ rows: 0, rejected: 0 });
  });

  it('under --durability full, where every commit is synced, loses nothing', () => {
    const { file, apply } = live('full');
    for (let offset = 0; offset < 11; offset++) apply(offset);
    expect(afterPowerLoss(file, 'full').ledger.state(1).offset).toBe(11);
  });
});

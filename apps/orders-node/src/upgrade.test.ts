import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeStore } from '@dbsim/node-runtime';
import { answers } from '@dbsim/node-runtime/testing';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ordersNode } from './app.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dbsim-upgrade-'));
  file = join(dir, 'orders.db');
  const legacy = new Database(file);
  legacy.exec(readFileSync(new URL('./upgrade.fixture.sql', import.meta.url), 'utf8'));
  legacy.close();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const open = () =>
  new NodeStore(ordersNode.spec, file, { durability: 'full', migrationsFolder: ordersNode.migrationsFolder, holder: 'a test' });
const migrations = (table: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(`select count(*) as n from "${table}"`).get();
  } finally {
    db.close();
  }
};

describe('a folder made before the runtime had migrations of its own', () => {
  it('is upgraded in place, once, and its interrupted run goes on where it stopped', () => {
    let store = open();
    expect(store.ledger.latest()).toEqual({ producer: 1, offset: 3, sealed: false });
    expect(store.reads.stats(1)).toEqual({ received: 3, inserted: 1, rejected: 1, reasons: { user_missing: 1 } });
    const held = store.heldBack(1, 3, 10);
    expect(held).toEqual([
      { position: 2, row: { id: 3, user_id: 5, product_id: 1, quantity: 1 }, text: '{"id":3,"user_id":5,"product_id":1,"quantity":1}' },
    ]);
    store.close();

    store = open(); // a second open finds it upgraded and changes nothing
    const resolved = answers({ user_id: [1, 5], product_id: [1] });
    expect(store.decideHeldBack(1, 3, held, resolved).accepted).toBe(1);
    expect([...store.reads.ids()]).toEqual([1, 3]);
    expect(store.apply({ producer: 1, offset: 3, rows: [], seal: true })).toMatchObject({ kind: 'applied' });
    expect(store.reads.stats(1)).toEqual({ received: 3, inserted: 2, rejected: 1, reasons: { user_missing: 1 } });
    store.close();
    expect(migrations('__dbsim_runtime_migrations')).toEqual({ n: 3 });
    // The legacy file held the rejected id 2 as the REAL 2.0; the runtime's second migration made it the integer it was.
    const db = new Database(file, { readonly: true });
    expect(db.prepare('select id, typeof(id) as type from rejections').all()).toEqual([{ id: 2, type: 'integer' }]);
    db.close();
    expect(migrations('__drizzle_migrations')).toEqual({ n: 3 });
  });
});

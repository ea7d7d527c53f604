import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type StandaloneNode, startStandalone } from '@dbsim/node-runtime/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const MAINS = {
  users: import.meta.resolve('@dbsim/users-node/main'),
  products: import.meta.resolve('@dbsim/products-node/main'),
  orders: import.meta.resolve('@dbsim/orders-node/main'),
};

let dir: string;
let running: StandaloneNode[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dbsim-client-'));
  running = [];
});
afterEach(async () => {
  await Promise.all(running.map((node) => node.stop()));
  rmSync(dir, { recursive: true, force: true });
});

async function start(node: keyof typeof MAINS, args: string[] = []): Promise<StandaloneNode> {
  const started = await startStandalone(MAINS[node], ['--dir', dir, ...args]);
  running.push(started);
  return started;
}

function dbsim(...args: string[]) {
  const { status, stdout, stderr } = spawnSync(process.execPath, [MAIN, '--dir', dir, ...args], { encoding: 'utf8' });
  return { status, stdout, stderr };
}

describe('a standalone node', () => {
  it('listens on a Unix socket in its folder, and removes it on Ctrl-C', async () => {
    const node = await start('users');
    expect(node.started).toMatchObject({ name: 'users-node', listen: join(dir, 'users.sock') });
    expect(existsSync(join(dir, 'users.sock'))).toBe(true);
    running = [];
    expect(await node.stop()).toBe(0);
    expect(existsSync(join(dir, 'users.sock'))).toBe(false);
    expect(node.output()).toContain('"msg":"node stopped"');
  });

  it('replaces the socket a killed node left behind, and refuses to start beside a live one', async () => {
    const first = await startStandalone(MAINS.users, ['--dir', dir]);
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.on('exit', resolve));
    expect(existsSync(join(dir, 'users.sock'))).toBe(true);
    await start('users');
    const second = startStandalone(MAINS.users, ['--dir', dir]);
    await expect(second).rejects.toThrow(/code 1 .*users-node: .*users\.sock is in use: a node is already running there$/);
  });

  it('listens on TCP when asked', async () => {
    const node = await start('products', ['--listen', 'tcp://127.0.0.1:0']);
    expect(node.started.listen).toMatch(/^tcp:\/\/127\.0\.0\.1:[1-9]\d*$/);
    const { stdout } = dbsim('status', node.started.listen as string);
    expect(stdout).toMatch(/^products-node at tcp:/);
  });
});

describe('dbsim', () => {
  it('shows a node’s status, inserts rows with each row’s fate, and looks ids up', async () => {
    await Promise.all([start('users'), start('products'), start('orders')]);
    const users = '[{"id":1,"name":"Ann","email":"a@x.io"},{"id":2,"name":"","email":"A@X.io"}]';
    expect(dbsim('send', 'users', users)).toMatchObject({
      status: 0,
      stdout: 'row 0\tid 1\tinserted\nrow 1\tid 2\trejected: name_empty, email_duplicate\n',
    });
    const file = join(dir, 'product.json');
    writeFileSync(file, '{"id":5,"name":"Pen","price":1.5}');
    expect(dbsim('send', 'products', file).stdout).toBe('row 0\tid 5\tinserted\n');
    // orders-node asks users- and products-node, through dbsim, which holds the other sockets.
    const orders = '[{"id":1,"user_id":1,"product_id":5,"quantity":2},{"id":2,"user_id":2,"product_id":6,"quantity":1}]';
    expect(dbsim('send', 'orders', orders).stdout).toBe('row 0\tid 1\tinserted\nrow 1\tid 2\trejected: user_missing, product_missing\n');
    expect(dbsim('lookup', 'users', '1,2').stdout).toBe('1\tfound\n2\tmissing\n');

    const status = dbsim('status', 'users');
    expect(status.stdout).toMatch(
      /^users-node at .*users\.sock\n {2}pid {9}\d+\n {2}uptime .*\n {2}rows {8}1\n {2}rejected {4}1\n {2}high-water {2}run 1, offset 2, sealed\n$/,
    );
    expect(JSON.parse(dbsim('status', 'users', '--json').stdout)).toMatchObject({ node: 'users', rows: 1, rejected: 1, producer: 1 });
  });

  it('says in one line that no node is running, and refuses what it cannot read', () => {
    expect(dbsim('status', 'users')).toEqual({
      status: 1,
      stdout: '',
      stderr: `dbsim: no node is running at ${join(dir, 'users.sock')} (ENOENT)\n`,
    });
    expect(dbsim('status', 'tcp://127.0.0.1:1').stderr).toBe('dbsim: no node is running at tcp://127.0.0.1:1 (ECONNREFUSED)\n');
    expect(dbsim('status', 'carts')).toMatchObject({ status: 2, stderr: expect.stringMatching(/^dbsim: "carts" is neither a node/) });
    expect(dbsim('send', 'users', '[{"id":')).toMatchObject({ status: 2, stderr: 'dbsim: the rows are not valid JSON\n' });
    expect(dbsim('lookup', 'users', 'x')).toMatchObject({ status: 2 });
  });

  it('pretty-prints a run’s log, only the rejected rows of one node if asked', () => {
    const line = (node: string, msg: string) =>
      JSON.stringify({ level: msg === 'row rejected' ? 40 : 30, time: '2026-01-01T00:00:00.000Z', pid: 1, name: `${node}-node`, msg });
    writeFileSync(
      join(dir, 'simulate.log'),
      `${[line('users', 'node started'), line('users', 'row rejected'), line('orders', 'row rejected')].join('\n')}\n`,
    );
    const { status, stdout } = dbsim('logs', dir, '--rejected', '--node', 'users');
    expect(status).toBe(0);
    expect(stdout).toMatch(/^\[[\d:.]+\] WARN \(users-node\/1\): row rejected\n$/);
  });
});

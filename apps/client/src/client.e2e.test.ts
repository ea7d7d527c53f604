import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type StandaloneNode, startStandalone } from '@dbsim/node-runtime/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const ORCHESTRATOR = fileURLToPath(import.meta.resolve('@dbsim/orchestrator/main'));
const SIZES = 'users=300,products=50,orders=400';
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

/** The client, as a user runs it; a command on a node looks for its socket in the test's folder. */
function dbsim(...args: string[]) {
  const onNode = ['status', 'send', 'lookup', 'query'].includes(args[0] as string);
  const { status, stdout, stderr } = spawnSync(process.execPath, [MAIN, ...args, ...(onNode ? ['--dir', dir] : [])], { encoding: 'utf8' });
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

  it('shows a run’s log a rejected row a line, keeping what the filters ask for, and follows a run as it goes', async () => {
    const run = spawnSync(process.execPath, [ORCHESTRATOR, '--dir', dir], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const logs = (...args: string[]) =>
      dbsim('logs', dir, ...args)
        .stdout.trim()
        .split('\n');
    expect(logs('--rejected', '--node', 'users')).toEqual([
      expect.stringMatching(
        /^\[[\d:.]+\] WARN \(users-node\): row rejected · users 8 at 7: email_duplicate \{"run":1,"takenBy":\{"email_duplicate":1\},"row":\{"id":8,.*\}\}$/,
      ),
      expect.stringMatching(/row rejected · users 10 at 9: name_empty /),
    ]);
    expect(logs('--reason', 'user_missing')).toHaveLength(2);
    expect(logs('--table', 'orders', '--id', '10')).toEqual([expect.stringMatching(/orders 10 at 9: user_missing,product_missing/)]);
    expect(dbsim('logs', dir, '--run', '2')).toEqual({
      status: 0,
      stdout: '',
      stderr: `no line of ${join(dir, 'simulate.log')} matches these filters\n`,
    });
    expect(logs('--node', 'orders').some((line) => line.includes('(orders-node): node started'))).toBe(true);
    expect(logs('--node', 'orchestrator').every((line) => line.includes('(orchestrator)'))).toBe(true);
    expect(dbsim('logs', dir, '--reason', 'user_mising')).toMatchObject({
      status: 2,
      stderr: "dbsim: option '--reason <code>' argument 'user_mising' is invalid. Did you mean user_missing?\n",
    });
    expect(dbsim('logs', dir, '--run', '0')).toMatchObject({ status: 2 });
    expect(dbsim('logs', join(dir, 'nope'), '--follow')).toMatchObject({
      status: 1,
      stderr: `dbsim: ${join(dir, 'nope')} is not a folder: name the run's folder\n`,
    });

    // A second run on the folder, followed from its start: its lines appear as it writes them.
    const follow = spawn(process.execPath, [MAIN, 'logs', dir, '--follow', '--rejected'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let followed = '';
    follow.stdout.on('data', (chunk: Buffer) => {
      followed += chunk;
    });
    const again = spawnSync(process.execPath, [ORCHESTRATOR, '--dir', dir, '--keep'], { encoding: 'utf8' });
    expect(again.status, again.stderr).toBe(0);
    await vi.waitFor(() => expect(followed.split('\n').filter((line) => line.includes('row rejected'))).toHaveLength(6 + 30)); // the second run's ids are all taken by the first
    const exited = new Promise((resolve) => follow.on('exit', resolve));
    follow.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('explains from the run’s folder alone why a row was rejected, across nodes, or that it was inserted or never seen', () => {
    const run = spawnSync(process.execPath, [ORCHESTRATOR, '--dir', dir], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const explain = (...args: string[]) => dbsim('explain', ...args, '--dir', dir);
    // Whether order 8 waited for the users stream's seal depends on timing: which batch decided it is the log's to say.
    const decided = '(in the batch from row 1|held back until the stream’s seal decided it)';
    const order8 = explain('orders', '8');
    expect(order8).toMatchObject({ status: 0, stderr: '' });
    expect(order8.stdout.split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(`^order 8 \\(row 8 of the orders stream, ${decided}\\): \\{"id":8,"user_id":8,"product_id":8,"quantity":0\\}$`),
      ),
      '  rejected for quantity_not_positive: its quantity 0 is below 1',
      '  rejected for user_missing: users-node rejected user 8:',
      '    user 8 (row 8 of the users stream, in the batch from row 1): {"id":8,"name":"Alice","email":"alice@example.com"}',
      '      rejected for email_duplicate: alice@example.com was taken by user 1',
      '',
    ]);
    expect(explain('users', '8').stdout).toContain('  rejected for email_duplicate: alice@example.com was taken by user 1\n');
    expect(explain('orders', '10').stdout).toMatch(
      new RegExp(
        `^order 10 \\(row 10 of the orders stream, ${decided}\\): .*\n(.*\n)* {2}rejected for product_missing: products-node holds no product 11: no row of the products stream had that id\n$`,
      ),
    );
    expect(explain('users', '3').stdout).toBe('user 3 (row 3 of the users stream) was inserted: no row with that id was rejected\n');
    expect(explain('users', '99').stdout).toBe('user 99 was never seen: no row of the users stream has that id\n');
    expect(explain('user', '8')).toMatchObject({
      status: 2,
      stderr: "dbsim: there is no table 'user': it is users, products or orders (did you mean users?)\n",
    });
    expect(dbsim('explain', 'users', '8', '--dir', join(dir, 'nope'))).toMatchObject({
      status: 2,
      stderr: `dbsim: there is no run in ${join(dir, 'nope')} (no run.json)\n`,
    });
  });

  it('serves a run’s page, explaining every rejected row, until Ctrl-C', async () => {
    const run = spawnSync(process.execPath, [ORCHESTRATOR, '--dir', dir], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const view = spawn(process.execPath, [MAIN, 'view', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const url = await new Promise<string>((resolve) => view.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())));
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(await (await fetch(url)).text()).toContain(`<title>dbsim run: ${dir}</title>`);
    const answer = (await (await fetch(`${url}explain?table=orders&id=8`)).json()) as { lines: string[] };
    expect(answer.lines).toContain('      rejected for email_duplicate: alice@example.com was taken by user 1');
    expect((await fetch(`${url}explain?table=carts&id=8`)).status).toBe(400);
    const exited = new Promise((resolve) => view.on('exit', resolve));
    view.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(dbsim('view', join(dir, 'nope'))).toMatchObject({
      status: 2,
      stderr: `dbsim: there is no run in ${join(dir, 'nope')} (no run.json)\n`,
    });
  });

  it('writes a generated data set as files that a run reads back to the same outcome, and queries the files', () => {
    const generated = spawnSync(process.execPath, [ORCHESTRATOR, '--dir', join(dir, 'a'), '--generate', SIZES, '--seed', '4'], {
      encoding: 'utf8',
    });
    expect(generated.status, generated.stderr).toBe(0);
    const exported = dbsim('export', '--generate', SIZES, '--seed', '4', '--out', join(dir, 'files'));
    expect(exported).toMatchObject({
      status: 0,
      stdout: expect.stringMatching(/users\.ndjson\t300 rows\n.*products\.ndjson\t50 rows\n.*orders\.ndjson\t400 rows\n$/),
    });
    const files = ['users', 'products', 'orders'].map((table) => `${table}=${join(dir, 'files', `${table}.ndjson`)}`).join(',');
    const fromFiles = spawnSync(process.execPath, [ORCHESTRATOR, '--dir', join(dir, 'b'), '--data', files], { encoding: 'utf8' });
    expect(fromFiles.status, fromFiles.stderr).toBe(0);
    expect(readFileSync(join(dir, 'b', 'report.json'), 'utf8')).toBe(readFileSync(join(dir, 'a', 'report.json'), 'utf8'));

    const counted = spawnSync(
      process.execPath,
      [MAIN, 'query', 'orders', 'select count(*) as n from rejections', '--dir', join(dir, 'b'), '--json'],
      {
        encoding: 'utf8',
      },
    );
    const report = JSON.parse(readFileSync(join(dir, 'b', 'report.json'), 'utf8'));
    expect(JSON.parse(counted.stdout)).toEqual({ columns: ['n'], rows: [[report.tables.orders.rejected]], truncated: false });
    const refused = spawnSync(process.execPath, [MAIN, 'query', 'orders', 'delete from orders', '--dir', join(dir, 'b')], {
      encoding: 'utf8',
    });
    expect(refused).toMatchObject({ status: 2, stderr: 'dbsim: only a statement that reads (select, a read-only pragma) can run here\n' });
  });

  it('ends quietly, exit 0, when the reader of its output goes away (| head)', () => {
    const run = spawnSync(process.execPath, [ORCHESTRATOR, '--dir', dir, '--generate', 'users=20000,products=10,orders=10'], {
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    for (const command of [`query users 'select * from users' --limit 100000 --dir ${dir}`, `logs ${dir}`]) {
      const piped = spawnSync('bash', ['-c', `'${process.execPath}' '${MAIN}' ${command} | head -1; exit \${PIPESTATUS[0]}`], {
        encoding: 'utf8',
      });
      expect(piped, command).toMatchObject({ status: 0, stderr: '', stdout: expect.stringMatching(/^[^\n]+\n$/) });
    }
  });

  it('answers --help for itself and every command, and a mistyped command in one line', () => {
    expect(dbsim('--help').stdout).toMatch(
      /^Usage: dbsim \[options\] \[command\][\s\S]*status \[options\] <node>[\s\S]*export \[options\]/,
    );
    for (const command of ['status', 'send', 'lookup', 'query', 'logs', 'export']) {
      expect(dbsim(command, '--help')).toMatchObject({ status: 0, stdout: expect.stringMatching(new RegExp(`^Usage: dbsim ${command} `)) });
    }
    expect(dbsim('statuss', 'users')).toMatchObject({ status: 2, stderr: "dbsim: unknown command 'statuss' (did you mean status?)\n" });
    expect(dbsim('query', 'usres', 'select 1')).toMatchObject({
      status: 2,
      stderr: 'dbsim: query takes a node: users, products, orders (did you mean users?)\n',
    });
    expect(dbsim()).toMatchObject({
      status: 2,
      stderr: 'dbsim: give a command: status, send, lookup, query, logs, explain, view, export (see --help)\n',
    });
    expect(dbsim('--version').stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});

describe('a node app', () => {
  it('answers --help and --version, and a mistyped option in one line', () => {
    const node = (...args: string[]) => spawnSync(process.execPath, [fileURLToPath(MAINS.users), ...args], { encoding: 'utf8' });
    expect(node('--help').stdout).toMatch(
      /^Usage: users-node \[options\][\s\S]*--dir <dir>[\s\S]*--listen <address>[\s\S]*--durability <mode>/,
    );
    expect(node('--help').stdout).not.toContain('--fd');
    expect(node('--version').stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(node('--dri', 'x')).toMatchObject({ status: 2, stderr: "users-node: unknown option '--dri' (did you mean --dir?)\n" });
  });
});

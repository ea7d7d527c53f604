import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { startStandalone } from '@dbsim/node-runtime/testing';
import { MAX_LINE_BYTES } from '@dbsim/protocol';
import { explainRow } from '@dbsim/run-page';
import { describe, expect, it } from 'vitest';
import { jsonLines, outcome, query, simulate, snapshot, start, useTempDirs } from './test-run.js';

const dir = useTempDirs();

const USERS = import.meta.resolve('@dbsim/users-node/main');
const generated = (seed: number, sizes = 'users=3000,products=500,orders=5000') => [
  '--generate',
  sizes,
  '--seed',
  String(seed),
  '--batch-size',
  '100',
];
const SLOW = ['--delay', 'users=30,products=30,orders=30'];
const report = (d: string) => JSON.parse(readFileSync(join(d, 'report.json'), 'utf8'));
/**
 * The folder's files that hold what runs did: not the lock files, which say who holds the folder, nor an empty WAL
 * journal or its index, which SQLite makes and removes as readers come and go.
 */
const contents = (d: string) =>
  Object.fromEntries(Object.entries(snapshot(d)).filter(([name]) => !name.startsWith('run.lock') && !/-(wal|shm)$/.test(name)));

describe('one run per folder', () => {
  it('lets one of two runs started at once on a folder finish as it would alone, and refuses the other before it touches anything', async () => {
    const shared = dir();
    const [five, six] = await Promise.all([simulate([...generated(5), '--dir', shared]), simulate([...generated(6), '--dir', shared])]);
    expect([five.code, six.code].sort()).toEqual([0, 2]);
    const [winner, loser] = five.code === 0 ? [5, six] : [6, five];
    expect(loser.stderr).toMatch(
      new RegExp(`^simulate: ${shared} is in use by a run \\(pid \\d+, since [\\d:]+\\): wait for it to end, or give another --dir\\n$`),
    );
    const alone = dir();
    expect((await simulate([...generated(winner), '--dir', alone])).code).toBe(0);
    expect(outcome(shared)).toEqual(outcome(alone));
  });

  it('refuses --resume while the run is still going, and a run beside a node that holds its file', async () => {
    const running = dir();
    const first = start([...generated(5), ...SLOW, '--dir', running]);
    await first.output(/"msg":"run started"/);
    const resume = await simulate(['--dir', running, '--resume']);
    expect(resume).toMatchObject({ code: 2, stderr: expect.stringMatching(/is in use by a run \(pid \d+/) });
    first.child.kill('SIGINT');
    expect((await first.finished).code).toBe(130);
  });

  it('refuses a run beside a node started on its own on the folder, and one on a file such a node holds', async () => {
    const d = dir();
    const users = await startStandalone(USERS, ['--dir', d]);
    try {
      const beside = await simulate(['--dir', d]);
      expect(beside).toMatchObject({
        code: 2,
        stderr: `simulate: users-node runs on ${d} on its own (${join(d, 'users.sock')}): attach the run to it with --attach users=${join(d, 'users.sock')}, or stop it\n`,
      });
      expect(readdirSync(d).sort()).toEqual(['run.lock', 'users.db', 'users.db-wal', 'users.db.pid', 'users.sock']);
    } finally {
      await users.stop();
    }
    // Listening on TCP, the node leaves no socket in the folder: its file's lock refuses the run's node.
    const tcp = await startStandalone(USERS, ['--dir', d, '--listen', 'tcp://127.0.0.1:0']);
    try {
      const run = await simulate(['--dir', d]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(
        new RegExp(
          `^simulate: users-node stopped: ${join(d, 'users.db')} is in use by users-node \\(pid ${tcp.child.pid}, since [\\d:]+\\)\n$`,
        ),
      );
    } finally {
      await tcp.stop();
    }
  });
});

describe('rows of any size', () => {
  it('cuts batches by size: 5,000 products with 14 kB names run at the default batch size', async () => {
    const d = dir();
    const file = join(d, 'products.json');
    const products = Array.from({ length: 5000 }, (_, i) => ({ id: i + 1, name: `${'p'.repeat(14_000)}${i}`, price: 1 }));
    writeFileSync(file, JSON.stringify({ users: [], products, orders: [] }));
    const run = await simulate(['--dir', d, '--data', file]);
    expect(run.code, run.stderr).toBe(0);
    expect(report(d).tables.products).toEqual({ received: 5000, inserted: 5000, rejected: 0, reasons: {} });
  });

  it('keeps 5 MB rejected rows whole in the report, and rejects a row over the frame limit as row_too_large', async () => {
    const d = dir();
    const file = join(d, 'users.ndjson');
    const lines = Array.from({ length: 12 }, (_, i) => JSON.stringify({ id: i + 1, name: 'n'.repeat(5_000_000), email: `u${i}@x.io` }));
    lines.push(JSON.stringify({ id: 13, name: 'Ann', email: 'ann@x.io' }));
    lines.push(JSON.stringify({ id: 14, name: 'm'.repeat(MAX_LINE_BYTES), email: 'huge@x.io' }));
    writeFileSync(file, `${lines.join('\n')}\n`);
    writeFileSync(join(d, 'empty.ndjson'), '');
    const data = `users=${file},products=${join(d, 'empty.ndjson')},orders=${join(d, 'empty.ndjson')}`;
    const run = await simulate(['--dir', d, '--data', data]);
    expect(run.code, run.stderr).toBe(0);
    const { tables, rejections } = report(d);
    expect(tables.users).toEqual({ received: 14, inserted: 1, rejected: 13, reasons: { name_too_long: 12, row_too_large: 1 } });
    expect(rejections.slice(0, 12).map((r: { row: { name: string } }) => r.row.name.length)).toEqual(Array(12).fill(5_000_000));
    expect(rejections[12]).toMatchObject({
      id: null,
      position: 13,
      reasons: ['row_too_large'],
      row: expect.stringMatching(/^\{"id":14,"name":"mmm.*…$/),
    });
    expect(jsonLines(run.stdout).filter((line) => line.msg === 'row rejected')).toHaveLength(13);
    // Rejected before its id could be read, the row is found by its place in the stream.
    expect((await explainRow(d, 'users', '14')).slice(1)).toEqual([
      '  rejected for row_too_large: its JSON is over 16,711,680 bytes, too large for a message',
    ]);
  });
});

describe('files of any size', () => {
  it('runs a 150 MB single-file JSON data set with every process under 256 MB', async () => {
    const d = dir();
    const file = join(d, 'big.json');
    const fd = openSync(file, 'w');
    const write = (text: string) => writeSync(fd, text);
    const table = (name: string, count: number, row: (n: number) => object, last = false) => {
      write(`"${name}": [\n`);
      for (let n = 1; n <= count; n++) write(`${JSON.stringify(row(n))}${n < count ? ',' : ''}\n`);
      write(last ? ']' : '],\n');
    };
    write('{');
    table('users', 200_000, (n) => ({ id: n, name: `User ${n}`, email: `user${n}@example.com` }));
    table('products', 8_000, (n) => ({ id: n, name: `${'p'.repeat(14_000)}${n}`, price: (n % 100) + 1 }));
    table('orders', 400_000, (n) => ({ id: n, user_id: (n % 200_000) + 1, product_id: (n % 8_000) + 1, quantity: 1 }), true);
    write('}');
    closeSync(fd);
    expect(statSync(file).size).toBeGreaterThan(150_000_000);

    const run = await simulate(['--dir', d, '--data', file], { NODE_OPTIONS: '--max-old-space-size=192' });
    expect(run.code, run.stderr).toBe(0);
    expect(report(d).tables).toMatchObject({
      users: { received: 200_000, inserted: 200_000 },
      products: { received: 8_000, inserted: 8_000 },
      orders: { received: 400_000, inserted: 400_000 },
    });
    const usage = jsonLines(readFileSync(join(d, 'simulate.log'), 'utf8')).filter((line) =>
      ['node stopped', 'run finished'].includes(line.msg as string),
    );
    expect(usage.map((line) => line.name).sort()).toEqual(['orchestrator', 'orders-node', 'products-node', 'users-node']);
    for (const line of usage) expect(line.maxRssKb, String(line.name)).toBeLessThan(256 * 1024);
  });
});

describe('--resume and --keep only what was started', () => {
  it('refuses to resume with another data set, naming both, touching nothing; without data options it resumes the run’s own', async () => {
    const d = dir();
    const first = start([...generated(5), ...SLOW, '--dir', d]);
    await first.output(/"msg":"row rejected"/);
    first.child.kill('SIGINT');
    expect((await first.finished).code).toBe(130);
    const before = contents(d);
    const other = await simulate(['--dir', d, '--resume', ...generated(6)]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(
      /^simulate: --resume goes on with run 1's own data set, generated .*\(invalid rate 0\.05, seed 5\), not generated .*seed 6\): leave the data options out\n$/,
    );
    expect(contents(d)).toEqual(before);
    expect((await simulate(['--dir', d, '--resume'])).code).toBe(0);
    const alone = dir();
    expect((await simulate([...generated(5), '--dir', alone])).code).toBe(0);
    expect(outcome(d)).toEqual(outcome(alone));
  });

  it('refuses --keep after an interrupted run, and with --abandon rejects its held-back rows as run_abandoned, logged and counted', async () => {
    const d = dir();
    // Users slowed so that orders hold rows back, waiting for users that may yet come.
    const first = start([...generated(5), '--delay', 'users=200', '--dir', d]);
    await first.output(/"name":"orders-node".*"msg":"row rejected"/);
    first.child.kill('SIGINT');
    expect((await first.finished).code).toBe(130);
    const held = query<{ held: number }>(d, 'orders', 'select count(*) as held from _deferred where producer = 1')[0]?.held ?? 0;
    expect(held).toBeGreaterThan(0);
    const before = contents(d);
    const kept = await simulate(['--dir', d, '--keep', ...generated(7)]);
    expect(kept).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/run 1 in .* was interrupted: finish it with --resume, give it up with --keep --abandon/),
    });
    expect(contents(d)).toEqual(before);

    const abandoned = await simulate(['--dir', d, '--keep', '--abandon', ...generated(7)]);
    expect(abandoned.code, abandoned.stderr).toBe(0);
    expect(query(d, 'orders', 'select count(*) as n from _deferred')).toEqual([{ n: 0 }]);
    const rejected = query<{ n: number }>(
      d,
      'orders',
      `select count(*) as n from rejections where producer = 1 and reasons = '["run_abandoned"]'`,
    );
    expect(rejected).toEqual([{ n: held }]);
    const logged = jsonLines(readFileSync(join(d, 'simulate.log'), 'utf8')).filter(
      (line) => line.msg === 'row rejected' && line.run === 1 && JSON.stringify(line.reasons) === '["run_abandoned"]',
    );
    expect(logged).toHaveLength(held);
    expect(abandoned.stderr).toContain(`abandoned run 1: ${held} held-back rows rejected as run_abandoned`);
  });
});

describe('a damaged database', () => {
  it('stops the run at once with one line naming the file, without restarting the node', async () => {
    const d = dir();
    expect((await simulate([...generated(1, 'users=20000,products=10,orders=10'), '--dir', d])).code).toBe(0);
    const file = join(d, 'users.db');
    const pages = Math.floor(statSync(file).size / 4096);
    const fd = openSync(file, 'r+');
    for (const page of [Math.floor(pages / 2), Math.floor(pages / 2) + 1, Math.floor(pages / 2) + 2])
      writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, page * 4096);
    closeSync(fd);
    const started = Date.now();
    const run = await simulate(['--dir', d, '--keep', '--restarts', '10']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^simulate: users-node stopped: ${file} is corrupt: .+\\n$`));
    expect(jsonLines(run.stdout).filter((line) => line.msg === 'node died: restarting')).toEqual([]);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('paths and the small things', () => {
  it('says what is wrong with a --dir in words, exit 2', async () => {
    const d = dir();
    writeFileSync(join(d, 'file'), '');
    expect(await simulate(['--dir', join(d, 'file')])).toMatchObject({
      code: 2,
      stderr: `simulate: --dir ${join(d, 'file')}: it is a file, not a folder\n`,
    });
    expect(await simulate(['--dir', join(d, 'file', 'x')])).toMatchObject({
      code: 2,
      stderr: `simulate: --dir ${join(d, 'file', 'x')}: a part of the path is not a folder\n`,
    });
    // Where mkdir says a parent is missing that is there, Node's own recursive mkdir would loop forever.
    expect(await simulate(['--dir', '/proc/dbsim/x'])).toMatchObject({
      code: 2,
      stderr: 'simulate: --dir /proc/dbsim/x: cannot make the folder: no such file or folder\n',
    });
  });

  it('names report.json when it cannot be written', async () => {
    const d = dir();
    mkdirSync(join(d, 'report.json.partial'));
    const run = await simulate(['--dir', d]);
    expect(run).toMatchObject({ code: 1, stderr: `simulate: cannot write ${join(d, 'report.json')}: it is a folder\n` });
  });

  it('reads a CSV file that starts with a byte-order mark, as spreadsheet programs write them', async () => {
    const d = dir();
    writeFileSync(join(d, 'users.csv'), '\uFEFFid,name,email\n1,Ann,ann@x.io\n2,Bob,bob@x.io\n');
    writeFileSync(join(d, 'products.csv'), '\uFEFFid,name,price\n1,Pen,1.5\n');
    writeFileSync(join(d, 'orders.csv'), '\uFEFFid,user_id,product_id,quantity\n1,2,1,3\n');
    const data = ['users', 'products', 'orders'].map((table) => `${table}=${join(d, `${table}.csv`)}`).join(',');
    const run = await simulate(['--dir', d, '--data', data]);
    expect(run.code, run.stderr).toBe(0);
    expect(report(d).rejections).toEqual([]);
    expect(query(d, 'users', 'select id, name from users order by id')).toEqual([
      { id: 1, name: 'Ann' },
      { id: 2, name: 'Bob' },
    ]);
  });

  it('starts a resumed run’s log on a line of its own after a line the interrupted run left cut short', async () => {
    const d = dir();
    const first = start([...generated(5), ...SLOW, '--dir', d]);
    await first.output(/"msg":"row rejected"/);
    first.child.kill('SIGINT');
    expect((await first.finished).code).toBe(130);
    // As a full disk or a kill leaves it: a line written in part.
    const cut = '{"level":40,"time":"2026-01-01T00:00:00.000Z","pid":1,"name":"users-node","tab';
    writeFileSync(join(d, 'simulate.log'), cut, { flag: 'a' });
    expect((await simulate(['--dir', d, '--resume'])).code).toBe(0);
    const lines = readFileSync(join(d, 'simulate.log'), 'utf8').trimEnd().split('\n');
    expect(lines.filter((line) => line === cut)).toHaveLength(1);
    const whole = lines.filter((line) => line !== cut).map((line) => JSON.parse(line));
    expect(whole.filter((line) => line.msg === 'run resumed')).toHaveLength(1);
  });

  it('counts in its summary, on SIGTERM, every row the nodes committed', async () => {
    const d = dir();
    const running = start([...generated(5), ...SLOW, '--dir', d]);
    await running.output(/"msg":"row rejected"/);
    running.child.kill('SIGTERM');
    const { code, stderr } = await running.finished;
    expect(code).toBe(130);
    const said = /rows committed: users ([\d,]+) of 3,000, products ([\d,]+) of 500, orders ([\d,]+) of 5,000/.exec(stderr);
    const committed = (table: string) =>
      query<{ offset: number }>(d, table, 'select "offset" from _deliveries where producer = 1')[0]?.offset ?? 0;
    expect(said?.slice(1, 4).map((n) => Number(n.replaceAll(',', '')))).toEqual([
      committed('users'),
      committed('products'),
      committed('orders'),
    ]);
  });
});

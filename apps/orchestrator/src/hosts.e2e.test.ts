import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type StandaloneNode, startStandalone } from '@dbsim/node-runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulate, TABLES, tempDir } from './test-run.js';

/**
 * Nodes on other hosts: each node in a network namespace of its own, the
 * orchestrator in a fourth, joined by veth pairs on addresses of this test's
 * own (10.213.N.0/24), talking TCP. It needs root and iproute2; without them
 * it is skipped, saying why.
 */
const tag = `dbsim${process.pid % 100_000}`;
const NAMESPACES = ['orch', ...TABLES].map((role) => `${tag}-${role}`);
const ORCH = NAMESPACES[0] as string;
const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });

function whyNot(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces are Linux only';
  if (process.getuid?.() !== 0) return 'creating network namespaces needs root';
  try {
    ip('netns', 'add', `${tag}-probe`);
    ip('netns', 'del', `${tag}-probe`);
    return undefined;
  } catch (error) {
    return `ip netns does not work here: ${(error as Error).message.split('\n')[0]}`;
  }
}
const skip = whyNot();
if (skip) console.warn(`skipping the multi-host test: ${skip}`);

const MAINS = {
  users: import.meta.resolve('@dbsim/users-node/main'),
  products: import.meta.resolve('@dbsim/products-node/main'),
  orders: import.meta.resolve('@dbsim/orders-node/main'),
};
const nodeAddress = (i: number) => `10.213.${i + 1}.2`;

describe.skipIf(skip !== undefined)('nodes on other hosts', () => {
  const dirs: string[] = [];
  const nodes: StandaloneNode[] = [];

  beforeAll(async () => {
    for (const ns of NAMESPACES) {
      ip('netns', 'add', ns);
      ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
    TABLES.forEach((node, i) => {
      const [outside, inside] = [`${tag}o${i}`, `${tag}n${i}`];
      ip('link', 'add', outside, 'netns', ORCH, 'type', 'veth', 'peer', 'name', inside, 'netns', `${tag}-${node}`);
      ip('-n', ORCH, 'addr', 'add', `10.213.${i + 1}.1/24`, 'dev', outside);
      ip('-n', ORCH, 'link', 'set', outside, 'up');
      ip('-n', `${tag}-${node}`, 'addr', 'add', `${nodeAddress(i)}/24`, 'dev', inside);
      ip('-n', `${tag}-${node}`, 'link', 'set', inside, 'up');
    });
    for (const [i, node] of TABLES.entries()) {
      const dir = tempDir();
      dirs.push(dir);
      const args = ['--dir', dir, '--listen', `tcp://${nodeAddress(i)}:7400`];
      nodes.push(await startStandalone(MAINS[node], args, ['ip', 'netns', 'exec', `${tag}-${node}`]));
    }
  }, 30_000);

  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    for (const ns of NAMESPACES) {
      try {
        ip('netns', 'del', ns); // takes its veth ends with it
      } catch {}
    }
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('run over TCP from another namespace, with the classic outcome and the report of a local run', async () => {
    const attach = TABLES.map((node, i) => `${node}=tcp://${nodeAddress(i)}:7400`).join(',');
    const remote = tempDir();
    const local = tempDir();
    dirs.push(remote, local);
    const run = await simulate(['--dir', remote, '--attach', attach], {}, ['ip', 'netns', 'exec', ORCH]);
    expect(run.code, run.stderr).toBe(0);
    expect((await simulate(['--dir', local])).code).toBe(0);
    const report = (dir: string) => readFileSync(join(dir, 'report.json'), 'utf8');
    expect(report(remote)).toBe(report(local));
    expect(JSON.parse(report(remote)).tables).toMatchObject({
      users: { inserted: 8, rejected: 2 },
      products: { inserted: 9, rejected: 1 },
      orders: { inserted: 7, rejected: 3 },
    });
    // The namespaces are real: from the users host, the products and orders hosts are out of reach.
    const elsewhere = tempDir();
    dirs.push(elsewhere);
    const stranded = await simulate(['--dir', elsewhere, '--attach', attach], {}, ['ip', 'netns', 'exec', `${tag}-users`]);
    expect(stranded).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/did not come up: cannot reach tcp:\/\/10\.213\.[23]\.2:7400: ENETUNREACH/),
    });
  }, 60_000);

  it('says in one line, touching no data, that a host without a loopback interface cannot fork its nodes', async () => {
    // A fresh network namespace has `lo` down: a forked node's links are loopback connections.
    const bare = tempDir();
    dirs.push(bare);
    const run = await simulate(['--dir', bare], {}, ['unshare', '--net']);
    expect(run).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(
        /^simulate: \w+-node did not come up: no connection over 127\.0\.0\.1 \(is the loopback interface up\?\): .*\n$/,
      ),
    });
    expect(readdirSync(bare)).toEqual(['run.lock']);
  });
});

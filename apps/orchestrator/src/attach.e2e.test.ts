import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type StandaloneNode, startStandalone } from '@dbsim/node-runtime/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { jsonLines, simulate, snapshot, useTempDirs } from './test-run.js';

const USERS = import.meta.resolve('@dbsim/users-node/main');

const dir = useTempDirs();
const running: StandaloneNode[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((node) => node.stop()));
});

const report = (d: string) => readFileSync(join(d, 'report.json'), 'utf8');

describe('--attach', () => {
  it('uses a node started on its own, with the outcome and report of a local run, and leaves it running', async () => {
    const nodeDir = dir();
    const users = await startStandalone(USERS, ['--dir', nodeDir]);
    running.push(users);
    const attached = dir();
    const run = await simulate(['--dir', attached, '--attach', `users=${join(nodeDir, 'users.sock')}`]);
    expect(run.code, run.stderr).toBe(0);
    const local = dir();
    expect((await simulate(['--dir', local])).code).toBe(0);
    expect(report(attached)).toBe(report(local));
    expect(users.child.exitCode).toBeNull();
    // The attached node logs to its own output, and its lines reach the run's log too.
    expect(users.output().match(/"msg":"row rejected"/g)).toHaveLength(2);
    const rejections = (d: string) =>
      jsonLines(readFileSync(join(d, 'simulate.log'), 'utf8'))
        .filter((line) => line.msg === 'row rejected')
        .map(({ name, position, reasons }) => JSON.stringify({ name, position, reasons }))
        .sort();
    expect(rejections(attached)).toEqual(rejections(local));

    // A fresh run is refused while the attached node holds data, and the refusal touches nothing of the folder.
    const before = snapshot(attached);
    const again = await simulate(['--dir', attached, '--attach', `users=${join(nodeDir, 'users.sock')}`]);
    expect(again).toMatchObject({
      code: 2,
      stderr: 'simulate: attached users-node already holds data: start it on an empty --dir, or run with --keep\n',
    });
    expect(snapshot(attached)).toEqual(before);
  });

  it('fails in one line when the node to attach to is not running', async () => {
    const socket = join(dir(), 'users.sock');
    const { code, stderr } = await simulate(['--dir', dir(), '--attach', `users=${socket}`]);
    expect({ code, stderr }).toEqual({ code: 1, stderr: `simulate: users-node did not come up: cannot reach ${socket}: ENOENT\n` });
  });
});

import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Progress } from './progress.js';

function start(totals: Record<'users' | 'products' | 'orders', number | undefined>): Progress {
  const progress = new Progress(new PassThrough(), totals);
  progress.begin({ users: 0, products: 0, orders: 0 });
  return progress;
}

describe('Progress', () => {
  it('shows each node’s rows of the total, its recent rate and the time left', () => {
    const progress = start({ users: 1000, products: 100, orders: undefined });
    const t = performance.now();
    for (let s = 0; s <= 2; s++) progress.committed('users', 125 * s, t + 1000 * s);
    progress.committed('products', 100, t + 500);
    progress.committed('orders', 20, t);
    progress.committed('orders', 40, t + 2000);
    const lines = progress.render(t + 2000);
    progress.stop();
    expect(lines).toEqual([
      'users    250 of 1,000 rows, 125 rows/s, 6.0 s left',
      expect.stringMatching(/^products 100 of 100 rows, done in \d\.\d s$/),
      'orders   40 rows, 10 rows/s',
    ]);
  });

  it('shows no rate and no time left until a node has been committing for a second', () => {
    const progress = start({ users: 1_000_000, products: 10, orders: 10 });
    const t = performance.now();
    progress.committed('users', 5000, t);
    progress.committed('users', 10_000, t + 100);
    expect(progress.render(t + 200)).toEqual([
      'users    10,000 of 1,000,000 rows',
      'products 0 of 10 rows, starting',
      'orders   0 of 10 rows, starting',
    ]);
    progress.stop();
  });

  it('redraws in place and erases itself when stopped, once', () => {
    const stream = new PassThrough();
    let written = '';
    stream.on('data', (chunk: Buffer) => {
      written += chunk;
    });
    const progress = new Progress(stream, { users: 10, products: 10, orders: 10 });
    progress.draw();
    progress.draw();
    progress.stop();
    progress.stop();
    progress.draw();
    const erase3 = `\r\x1b[2K${'\x1b[1A\x1b[2K'.repeat(3)}`;
    expect(written.split(erase3)).toHaveLength(3);
    expect(written.endsWith(erase3)).toBe(true);
  });

  it('says what the run does while it does not stream, under the nodes’ lines', () => {
    const progress = new Progress(new PassThrough(), { users: 10, products: 10, orders: undefined }, 'starting the nodes…');
    expect(progress.render()).toEqual([
      'users    0 of 10 rows, starting',
      'products 0 of 10 rows, starting',
      'orders   0 rows, starting',
      'starting the nodes…',
    ]);
    progress.begin({ users: 4, products: 0, orders: 0 });
    expect(progress.render()[0]).toBe('users    4 of 10 rows, starting');
    expect(progress.render()).toHaveLength(3);
    progress.note('writing the report…');
    expect(progress.render().at(-1)).toBe('writing the report…');
    progress.stop();
  });

  it('is shown only on a terminal, and not under CI', () => {
    const tty = { isTTY: true } as NodeJS.WriteStream;
    expect(Progress.wanted(tty, {})).toBe(true);
    expect(Progress.wanted(tty, { CI: 'true' })).toBe(false);
    expect(Progress.wanted({ isTTY: false } as NodeJS.WriteStream, {})).toBe(false);
  });
});

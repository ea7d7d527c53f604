import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Progress } from './progress.js';

describe('Progress', () => {
  it('shows each node’s rows of the total, its rate and the time left', () => {
    const progress = new Progress(
      new PassThrough(),
      { users: 1000, products: 100, orders: undefined },
      { users: 0, products: 0, orders: 0 },
    );
    progress.committed('users', 250);
    progress.committed('products', 100);
    progress.committed('orders', 40);
    const lines = progress.render(performance.now() + 1000);
    progress.stop();
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^users {4}250 of 1,000 rows, 2\d\d rows\/s, [34] s left$/);
    expect(lines[1]).toMatch(/^products 100 of 100 rows, [\d,]+ rows\/s$/);
    expect(lines[2]).toMatch(/^orders {3}40 rows, [\d,]+ rows\/s$/);
  });

  it('redraws in place and erases itself when stopped', () => {
    const stream = new PassThrough();
    let written = '';
    stream.on('data', (chunk: Buffer) => {
      written += chunk;
    });
    const progress = new Progress(stream, { users: 10, products: 10, orders: 10 }, { users: 0, products: 0, orders: 0 });
    progress.draw();
    progress.draw();
    progress.stop();
    const erase3 = '\x1b[1A\x1b[2K'.repeat(3);
    expect(written.split(erase3)).toHaveLength(3);
    expect(written.endsWith(erase3)).toBe(true);
  });

  it('is shown only on a terminal, and not under CI', () => {
    const tty = { isTTY: true } as NodeJS.WriteStream;
    expect(Progress.wanted(tty, {})).toBe(true);
    expect(Progress.wanted(tty, { CI: 'true' })).toBe(false);
    expect(Progress.wanted({ isTTY: false } as NodeJS.WriteStream, {})).toBe(false);
  });
});

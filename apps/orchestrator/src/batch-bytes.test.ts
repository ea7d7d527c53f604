import { describe, expect, it } from 'vitest';
import { BatchBytes } from './batch-bytes.js';

const fill = (byte: number) => (bytes: Buffer) => bytes.fill(byte);

describe('BatchBytes', () => {
  it('lends a buffer again only once the rows written in it are handed back', () => {
    const lender = new BatchBytes();
    const first = lender.rows(100_000, 10, fill(1));
    const second = lender.rows(100_000, 10, fill(2));
    expect(second.bytes.buffer).not.toBe(first.bytes.buffer);
    expect(first.bytes.every((byte) => byte === 1)).toBe(true);
    first.release();
    const third = lender.rows(90_000, 9, fill(3));
    expect(third.bytes.buffer).toBe(first.bytes.buffer);
    expect(third.bytes.length).toBe(90_000);
    expect(third.count).toBe(9);
  });

  it('lends buffers by size, so that a larger batch never gets a smaller one', () => {
    const lender = new BatchBytes();
    const small = lender.rows(1000, 1, fill(1));
    small.release();
    const large = lender.rows(300_000, 30, fill(2));
    expect(large.bytes.buffer).not.toBe(small.bytes.buffer);
    expect(large.bytes.length).toBe(300_000);
  });
});

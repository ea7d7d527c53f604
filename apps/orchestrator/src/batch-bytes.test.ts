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

  it('makes a buffer an eighth larger than its batch, in 64 KB steps, so that a slightly larger batch fits it', () => {
    const lender = new BatchBytes();
    const first = lender.rows(500_000, 50, fill(1));
    expect(first.bytes.buffer.byteLength).toBe(9 * 64 * 1024); // 562,500 bytes, rounded up
    first.release();
    const larger = lender.rows(560_000, 56, fill(2));
    expect(larger.bytes.buffer).toBe(first.bytes.buffer);
  });

  it('lets go of a free buffer too small for the next batch, never lending it again', () => {
    const lender = new BatchBytes();
    const small = lender.rows(1000, 1, fill(1));
    small.release();
    const large = lender.rows(300_000, 30, fill(2));
    expect(large.bytes.length).toBe(300_000);
    large.release();
    const next = lender.rows(1000, 1, fill(3));
    expect(next.bytes.buffer).toBe(large.bytes.buffer);
    // The small buffer was let go when the large batch passed it over: a second small batch gets a new one.
    const another = lender.rows(1000, 1, fill(4));
    expect([large.bytes.buffer, small.bytes.buffer]).not.toContain(another.bytes.buffer);
  });
});

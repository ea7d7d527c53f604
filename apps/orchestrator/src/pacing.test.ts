import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Pacer } from './pacing.js';

const counts = { users: 1000, products: 100, orders: 2000 };
/** Whether the promise has settled once pending callbacks have run: 'waiting', 'sent' or the rejection's message. */
async function state(promise: Promise<void>): Promise<string> {
  let result = 'waiting';
  promise.then(
    () => {
      result = 'sent';
    },
    (error: Error) => {
      result = error.message;
    },
  );
  await new Promise((resolve) => setImmediate(resolve));
  return result;
}

describe('Pacer', () => {
  const signal = new AbortController().signal;

  it('holds a batch of orders until users and products have committed the same share of their rows', async () => {
    const pacer = new Pacer(counts);
    const batch = pacer.ahead('orders', 1000, signal); // half of the orders
    pacer.committed('users', 500);
    expect(await state(batch)).toBe('waiting');
    pacer.committed('products', 50);
    expect(await state(batch)).toBe('sent');
    expect(await state(pacer.ahead('orders', 1002, signal))).toBe('waiting');
  });

  it('never holds a stream whose rows name no other node’s', async () => {
    const pacer = new Pacer(counts);
    expect(await state(pacer.ahead('users', 1000, signal))).toBe('sent');
    expect(await state(pacer.ahead('products', 100, signal))).toBe('sent');
  });

  it('lets everything go once the owners’ streams end, however far they got', async () => {
    const pacer = new Pacer(counts);
    const batch = pacer.ahead('orders', 2000, signal);
    pacer.ended('users');
    expect(await state(batch)).toBe('waiting');
    pacer.ended('products');
    expect(await state(batch)).toBe('sent');
  });

  it('holds again after an owner goes back (a power loss took what it had committed)', async () => {
    const pacer = new Pacer(counts);
    pacer.committed('users', 800);
    pacer.committed('products', 80);
    expect(await state(pacer.ahead('orders', 1600, signal))).toBe('sent');
    pacer.committed('users', 100);
    expect(await state(pacer.ahead('orders', 1600, signal))).toBe('waiting');
  });

  it('does not pace a stream of unknown length, nor one paced by a stream of unknown length', async () => {
    expect(await state(new Pacer({ ...counts, orders: undefined }).ahead('orders', 10, signal))).toBe('sent');
    expect(await state(new Pacer({ ...counts, users: undefined }).ahead('orders', 10, signal))).toBe('sent');
    expect(await state(new Pacer({ ...counts, orders: 0 }).ahead('orders', 0, signal))).toBe('sent');
  });

  it('stops waiting when the pass is stopped', async () => {
    const pacer = new Pacer(counts);
    const stop = new AbortController();
    const batch = pacer.ahead('orders', 1000, stop.signal);
    stop.abort(new Error('stopped'));
    expect(await state(batch)).toBe('stopped');
  });

  it('leaves no listener on the pass’s signal once a batch goes', async () => {
    const pacer = new Pacer(counts);
    const pass = new AbortController();
    const batch = pacer.ahead('orders', 1000, pass.signal);
    expect(getEventListeners(pass.signal, 'abort')).toHaveLength(1);
    pacer.ended('users');
    pacer.ended('products');
    expect(await state(batch)).toBe('sent');
    expect(getEventListeners(pass.signal, 'abort')).toHaveLength(0);
  });
});

import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { CancelledError } from '../ccid/errors.ts';
import { SlotLock } from './slot-lock.ts';

describe('SlotLock', () => {
  it('grants in FIFO order', async () => {
    const lock = new SlotLock();
    const order: number[] = [];
    const first = await lock.acquire();
    const waits = [1, 2, 3].map((n) =>
      lock.acquire().then((release) => {
        order.push(n);
        release();
      }),
    );
    first();
    await Promise.all(waits);
    expect(order).toEqual([1, 2, 3]);
    expect(lock.held).toBe(false);
  });

  it('a waiter cancelled by its signal leaves the queue', async () => {
    const lock = new SlotLock();
    const release = await lock.acquire();
    const ac = new AbortController();
    const waiting = lock.acquire(ac.signal);
    ac.abort();
    await expect(waiting).rejects.toBeInstanceOf(CancelledError);
    release();
    expect(lock.held).toBe(false);
  });

  it('failWaiters removes the abort listeners of the waiters it fails', async () => {
    const lock = new SlotLock();
    const signal = new AbortController().signal; // a session's: lives on after each wait
    for (let round = 0; round < 5; round++) {
      const release = await lock.acquire(signal);
      const waits = [lock.acquire(signal), lock.acquire(signal)];
      expect(getEventListeners(signal, 'abort')).toHaveLength(2);
      lock.failWaiters(new Error('card removed'));
      for (const w of waits) await expect(w).rejects.toThrow('card removed');
      expect(getEventListeners(signal, 'abort')).toHaveLength(0);
      release();
    }
  });

  it('a granted waiter keeps no abort listener either', async () => {
    const lock = new SlotLock();
    const signal = new AbortController().signal;
    const release = await lock.acquire(signal);
    const next = lock.acquire(signal);
    release();
    (await next)();
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });
});

// A fair (FIFO) lock per slot: one APDU, or one whole transaction, holds the card at a time, so
// an exclusive transaction of one session is never interleaved with another session's APDUs
// (the Web Smart Card API's transaction scope, PC/SC SCardBeginTransaction).
import { CancelledError } from '../ccid/errors.ts';

export class SlotLock {
  #held = false;
  readonly #waiters: { grant: () => void; fail: (e: unknown) => void }[] = [];

  get held(): boolean {
    return this.#held;
  }

  /** Resolves with a release function once the lock is ours. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(new CancelledError('cancelled while waiting'));
    if (!this.#held) {
      this.#held = true;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve, reject) => {
      // Both ways out of the queue drop the abort listener: a long-lived signal (a whole
      // session's) must not collect one per wait.
      const waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.#releaser());
        },
        fail: (e: unknown) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      const onAbort = (): void => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(new CancelledError('cancelled while waiting for the card'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Fails every waiter with `error` (the card or the reader went away). */
  failWaiters(error: unknown): void {
    for (const w of this.#waiters.splice(0)) w.fail(error);
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters.shift();
      if (next) next.grant();
      else this.#held = false;
    };
  }
}

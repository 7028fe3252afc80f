// A sliding-window limit: at most `max` events per `windowMs` per key. The service counts PIN
// operations per client application with it, so no caller can hammer the card's retry counter.
import type { Clock } from '../clock.ts';
import { ServiceError } from './errors.ts';

export class SlidingWindowLimit {
  readonly #times = new Map<string, number[]>();

  constructor(
    readonly clock: Clock,
    readonly max: number,
    readonly windowMs: number,
  ) {}

  /** Counts one event for `key`, or throws 429 with Retry-After when the limit is reached. */
  take(key: string, what: string): void {
    const now = this.clock.now();
    const recent = (this.#times.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (recent.length >= this.max) {
      const retryMs = recent[0] + this.windowMs - now;
      const retryAfter = String(Math.max(1, Math.ceil(retryMs / 1000)));
      this.#times.set(key, recent);
      throw new ServiceError(
        429,
        'too-many-pin-operations',
        `at most ${this.max} ${what} per ${this.windowMs / 1000} s; try again in ${retryAfter} s`,
        { retryAfterSeconds: Number(retryAfter) },
        { 'retry-after': retryAfter },
      );
    }
    recent.push(now);
    this.#times.set(key, recent);
  }
}

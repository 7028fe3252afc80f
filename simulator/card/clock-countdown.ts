// The card answers a reset a number of CLOCK CYCLES after RST goes high (ISO 7816-3 §8.1:
// 400 … 40 000 clocks), not a number of microseconds: a card counts CLK edges. If the reader
// changes or stops the clock meanwhile, the answer moves accordingly.

import type { CardTimers } from './card-timers.ts';
import { clocksToNs } from './card-timing.ts';

export class ClockCountdown {
  readonly #timers: CardTimers;
  readonly #now: () => number;
  readonly #fire: () => void;
  #remainingClocks: number;
  #hz: number;
  #since: number;
  #handle: number | undefined;

  constructor(
    timers: CardTimers,
    now: () => number,
    clocks: number,
    clockHz: number,
    fire: () => void,
  ) {
    this.#timers = timers;
    this.#now = now;
    this.#fire = fire;
    this.#remainingClocks = clocks;
    this.#hz = clockHz;
    this.#since = now();
    this.#arm();
  }

  /** The reader changed the clock frequency (0 = stopped: the count pauses). */
  clockChanged(hz: number): void {
    const now = this.#now();
    if (this.#hz > 0) {
      this.#remainingClocks = Math.max(
        0,
        this.#remainingClocks - ((now - this.#since) * this.#hz) / 1e9,
      );
    }
    this.#since = now;
    this.#hz = hz;
    this.#timers.cancel(this.#handle);
    this.#handle = undefined;
    this.#arm();
  }

  cancel(): void {
    this.#timers.cancel(this.#handle);
    this.#handle = undefined;
  }

  #arm(): void {
    if (this.#hz <= 0) return;
    this.#handle = this.#timers.after(clocksToNs(this.#remainingClocks, this.#hz), () => {
      this.#handle = undefined;
      this.#fire();
    });
  }
}

// Test support: the simulator's virtual clock as the driver's Clock, and a way to wait for a
// promise while virtual time runs (timers fire in order, no wall-clock sleeps).
import { setImmediate as tick } from 'node:timers/promises';
import { clientClock } from '../../../simulator/engine/client-clock.ts';
import { NS_PER_MS, VirtualClock } from '../../../simulator/engine/virtual-clock.ts';
import type { Clock } from '../../clock.ts';

export interface VirtualTime {
  readonly vc: VirtualClock;
  readonly clock: Clock;
  /** Runs virtual time until `p` settles (at most `limitMs` of it); returns `p`. */
  settle<T>(p: Promise<T>, limitMs?: number): Promise<T>;
  /** Runs virtual time for `ms`. */
  advance(ms: number): Promise<void>;
  /** Virtual ms now. */
  now(): number;
}

/** Over `vc` (a Simulation's clock), or a fresh fast clock. */
export function virtualTime(vc: VirtualClock = new VirtualClock()): VirtualTime {
  const clock = clientClock(vc);
  return {
    vc,
    clock,
    async settle<T>(p: Promise<T>, limitMs = 10 * 60_000): Promise<T> {
      let done = false;
      p.then(
        () => (done = true),
        () => (done = true),
      );
      const end = vc.now() + limitMs * NS_PER_MS;
      // Stream I/O between the ends is asynchronous: when no timer is due, let it run; time only
      // moves to the next scheduled event, never past it.
      for (let idle = 0; !done && idle < 100;) {
        const next = vc.nextEventTime();
        if (next !== undefined && next <= end) {
          await vc.runUntil(() => done, Math.max(0, next - vc.now()));
          idle = 0;
        } else {
          await tick();
          idle++;
        }
      }
      if (!done) throw new Error(`the promise did not settle within ${limitMs} virtual ms`);
      return p;
    },
    async advance(ms: number): Promise<void> {
      await vc.advance(ms * NS_PER_MS);
      await tick();
    },
    now: () => clock.now(),
  };
}

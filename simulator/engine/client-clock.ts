// The clock as asynchronous clients in the same process see it (the host driver): virtual
// milliseconds, so their timeouts are virtual and deterministic.
import { NS_PER_MS, type VirtualClock } from './virtual-clock.ts';

export type ClientTimer = number;

export interface ClientClock {
  /** Virtual milliseconds since the simulation started. */
  now(): number;
  setTimeout(fn: () => void, ms: number): ClientTimer;
  clearTimeout(handle: ClientTimer | undefined): void;
}

export function clientClock(clock: VirtualClock): ClientClock {
  return {
    now: () => clock.now() / NS_PER_MS,
    // Like Node's setTimeout: a negative or non-numeric delay means "as soon as possible".
    setTimeout: (fn, ms) => clock.schedule(Number.isFinite(ms) && ms > 0 ? ms * NS_PER_MS : 0, fn),
    clearTimeout: (handle) => {
      if (handle !== undefined) clock.cancel(handle);
    },
  };
}

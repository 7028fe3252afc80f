// One virtual clock for the whole simulation (../../shared/design/ARCHITECTURE.md §5): a
// discrete-event scheduler in nanoseconds (a float: one etu at 3.5712 MHz is 104 166.67 ns).
//
// - fast mode: time jumps from event to event and nothing reads the wall clock;
// - real-time mode: virtual time follows the wall clock (pseudo-terminals, the demo).
//
// The asynchronous runners (`run`, `advance`, `runUntil`) let the JavaScript job queue drain
// (setImmediate) after every event, so an asynchronous client in the same process (the host
// driver) reacts at the virtual time of the event it reacts to. The synchronous `runSync` is for
// tests of purely synchronous components.
import { ClockError } from '../errors.ts';
import { EventHeap, type ScheduledEvent } from './event-heap.ts';

export type ClockMode = 'fast' | 'realtime';

/** Wall time in milliseconds; only real-time mode has one. */
export interface WallClock {
  nowMs(): number;
}

export type ClockOptions = { mode?: 'fast' } | { mode: 'realtime'; wall?: WallClock };

export const NS_PER_MS = 1_000_000;
export const NS_PER_US = 1_000;

/** Lets the job queue (promises, nextTick, I/O callbacks already due) run before going on. */
function drainJobQueue(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class VirtualClock {
  readonly mode: ClockMode;
  private time = 0;
  private readonly heap = new EventHeap();
  private readonly live = new Map<number, ScheduledEvent>();
  private seq = 0;
  private nextId = 1;
  private cancelled = 0;
  private inEvent = false;
  private busy = false;
  private stopRequested = false;
  private wake: (() => void) | undefined;
  private readonly wall: WallClock | undefined;
  private wallBase = 0;
  private virtualBase = 0;

  constructor(options: ClockOptions = {}) {
    this.mode = options.mode ?? 'fast';
    if (options.mode === 'realtime') {
      this.wall = options.wall ?? { nowMs: () => performance.now() };
      this.wallBase = this.wall.nowMs();
    }
  }

  /** Virtual time, ns. In real-time mode, between events, it follows the wall clock. */
  now(): number {
    if (this.wall && !this.inEvent) {
      let t = this.virtualBase + (this.wall.nowMs() - this.wallBase) * NS_PER_MS;
      // Never past the next pending event: an event that runs late on the wall clock still runs
      // at its own virtual time, so card-line characters keep their spacing (a late T=1 block
      // must not arrive in pieces 1 ms apart, nor a parity error signal after the character).
      const next = this.peekLive()?.time;
      if (next !== undefined && t > next) t = next;
      if (t > this.time) this.time = t;
    }
    return this.time;
  }

  /** Runs `fn` after `delayNs` of virtual time. Returns a handle for `cancel`. */
  schedule(delayNs: number, fn: () => void): number {
    if (!Number.isFinite(delayNs) || delayNs < 0)
      throw new ClockError(`delay must be a finite number >= 0 ns, got ${delayNs}`);
    return this.insert(this.now() + delayNs, fn);
  }

  /** Runs `fn` at virtual time `timeNs` (not before now; in real-time mode, late means now). */
  scheduleAt(timeNs: number, fn: () => void): number {
    if (!Number.isFinite(timeNs)) throw new ClockError(`time must be finite, got ${timeNs}`);
    const now = this.now();
    if (timeNs >= now) return this.insert(timeNs, fn);
    // In real time the wall clock moves between two readings: a time computed a moment ago may
    // have just passed, and the event is simply due now.
    if (this.wall) return this.insert(now, fn);
    throw new ClockError(`time ${timeNs} ns is in the past (now ${now} ns)`);
  }

  /** Cancels a scheduled event; returns false if it already ran or was cancelled. */
  cancel(handle: number): boolean {
    const e = this.live.get(handle);
    if (!e) return false;
    e.cancelled = true;
    this.live.delete(handle);
    if (++this.cancelled > 1024 && this.cancelled > this.heap.size / 2) {
      this.heap.compact();
      this.cancelled = 0;
    }
    return true;
  }

  /** Number of events still to run. */
  pending(): number {
    return this.live.size;
  }

  /** Time of the next event, or undefined when none is pending. */
  nextEventTime(): number | undefined {
    return this.peekLive()?.time;
  }

  /** Runs events up to now + ns synchronously (no job-queue drain), then sets the time there. */
  runSync(ns: number): void {
    this.enter();
    try {
      const target = this.time + ns;
      for (;;) {
        const e = this.peekLive();
        if (!e || e.time > target) break;
        this.execute(this.popLive()!);
      }
      if (target > this.time) this.time = target;
    } finally {
      this.busy = false;
    }
  }

  /** Runs events up to now + ns, draining the job queue after each, then sets the time there. */
  async advance(ns: number): Promise<void> {
    await this.runUntil(() => false, ns);
  }

  /**
   * Runs events until `done()` holds (checked after every event and job-queue drain) or `limitNs`
   * of virtual time has passed. Returns whether `done()` held.
   */
  async runUntil(done: () => boolean, limitNs = Infinity): Promise<boolean> {
    if (this.mode !== 'fast') throw new ClockError('runUntil and advance need fast mode');
    if (!(limitNs >= 0)) throw new ClockError(`limit must be >= 0 ns, got ${limitNs}`);
    this.enter();
    try {
      const target = this.time + limitNs;
      await drainJobQueue();
      if (done()) return true;
      for (;;) {
        const e = this.peekLive();
        if (!e || e.time > target) break;
        this.execute(this.popLive()!);
        await drainJobQueue();
        if (done()) return true;
      }
      if (Number.isFinite(target) && target > this.time) this.time = target;
      return done();
    } finally {
      this.busy = false;
    }
  }

  /**
   * Runs the simulation until `stop()`: in fast mode jumping from event to event and waiting for
   * input when none is pending; in real-time mode following the wall clock. Rejects if an event
   * throws (a simulator bug: components catch their own expected failures).
   */
  async run(): Promise<void> {
    this.enter();
    this.stopRequested = false;
    try {
      while (!this.stopRequested) {
        const e = this.peekLive();
        if (!e) {
          await this.sleep(Infinity);
          continue;
        }
        if (this.wall) {
          const dueInMs = (e.time - this.now()) / NS_PER_MS;
          if (dueInMs > 0) {
            await this.sleep(dueInMs);
            continue;
          }
        }
        this.execute(this.popLive()!);
        await drainJobQueue();
      }
    } finally {
      this.busy = false;
    }
  }

  /** Ends `run()` after the current event. */
  stop(): void {
    this.stopRequested = true;
    this.wake?.();
  }

  private enter(): void {
    if (this.busy) throw new ClockError('the clock is already running (one runner at a time)');
    if (this.inEvent) throw new ClockError('cannot run the clock from inside an event');
    this.busy = true;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      this.wake = () => {
        this.wake = undefined;
        if (timer) clearTimeout(timer);
        resolve();
      };
      // Only real-time mode sleeps on the wall clock; fast mode waits for input only.
      if (Number.isFinite(ms)) timer = setTimeout(() => this.wake?.(), Math.max(1, ms));
    });
  }

  private insert(time: number, fn: () => void): number {
    const e: ScheduledEvent = { time, seq: this.seq++, id: this.nextId++, fn, cancelled: false };
    this.heap.push(e);
    this.live.set(e.id, e);
    this.wake?.();
    return e.id;
  }

  private peekLive(): ScheduledEvent | undefined {
    for (;;) {
      const e = this.heap.peek();
      if (!e || !e.cancelled) return e;
      this.heap.pop();
      this.cancelled--;
    }
  }

  private popLive(): ScheduledEvent | undefined {
    const e = this.peekLive();
    if (e) this.heap.pop();
    return e;
  }

  private execute(e: ScheduledEvent): void {
    this.live.delete(e.id);
    if (e.time > this.time) this.time = e.time;
    this.inEvent = true;
    try {
      e.fn();
    } finally {
      this.inEvent = false;
    }
  }
}

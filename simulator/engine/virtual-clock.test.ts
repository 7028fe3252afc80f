import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ClockError } from '../errors.ts';
import { clientClock } from './client-clock.ts';
import { NS_PER_MS, VirtualClock } from './virtual-clock.ts';

describe('VirtualClock', () => {
  it('runs events in time order, ties in scheduling order', () => {
    const clock = new VirtualClock();
    const seen: string[] = [];
    clock.schedule(30, () => seen.push(`c@${clock.now()}`));
    clock.schedule(10, () => seen.push(`a@${clock.now()}`));
    clock.schedule(10, () => seen.push(`b@${clock.now()}`));
    clock.runSync(100);
    expect(seen).toEqual(['a@10', 'b@10', 'c@30']);
    expect(clock.now()).toBe(100);
  });

  it('orders any set of events by (time, insertion)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 200 }), (delays) => {
        const clock = new VirtualClock();
        const seen: [number, number][] = [];
        delays.forEach((d, i) => clock.schedule(d, () => seen.push([clock.now(), i])));
        clock.runSync(1000);
        const expected = delays.map((d, i) => [d, i] as [number, number]);
        expected.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
        expect(seen).toEqual(expected);
      }),
    );
  });

  it('never runs a cancelled event, and compacts when many are cancelled', () => {
    const clock = new VirtualClock();
    let ran = 0;
    const handles: number[] = [];
    for (let i = 0; i < 5000; i++) handles.push(clock.schedule(1000 + i, () => ran++));
    for (const h of handles.slice(0, 4000)) expect(clock.cancel(h)).toBe(true);
    expect(clock.cancel(handles[0])).toBe(false);
    expect(clock.pending()).toBe(1000);
    clock.runSync(10_000);
    expect(ran).toBe(1000);
  });

  it('rejects bad delays with a typed error', () => {
    const clock = new VirtualClock();
    expect(() => clock.schedule(-1, () => {})).toThrow(ClockError);
    expect(() => clock.schedule(Number.NaN, () => {})).toThrow(ClockError);
    clock.runSync(50);
    expect(() => clock.scheduleAt(10, () => {})).toThrow(ClockError);
  });

  it('lets an asynchronous client react at the virtual time of the event', async () => {
    const clock = new VirtualClock();
    const client = clientClock(clock);
    const log: string[] = [];
    // An "event" that resolves a promise the client awaits; the client then arms a timeout.
    let resolveReply!: (v: number) => void;
    const reply = new Promise<number>((r) => (resolveReply = r));
    clock.schedule(5 * NS_PER_MS, () => resolveReply(42));
    void (async () => {
      const v = await reply;
      log.push(`reply ${v} at ${client.now()} ms`);
      await Promise.resolve();
      client.setTimeout(() => log.push(`timeout at ${client.now()} ms`), 20);
    })();
    await clock.advance(100 * NS_PER_MS);
    expect(log).toEqual(['reply 42 at 5 ms', 'timeout at 25 ms']);
  });

  it('runUntil stops as soon as the condition holds', async () => {
    const clock = new VirtualClock();
    let n = 0;
    for (let i = 1; i <= 10; i++) clock.schedule(i * 1000, () => n++);
    expect(await clock.runUntil(() => n === 3, 1e9)).toBe(true);
    expect(clock.now()).toBe(3000);
    expect(await clock.runUntil(() => n === 99, 20_000)).toBe(false);
    expect(clock.now()).toBe(23_000);
  });

  it('clearTimeout on the client clock cancels', async () => {
    const clock = new VirtualClock();
    const client = clientClock(clock);
    let fired = false;
    const h = client.setTimeout(() => (fired = true), 10);
    client.clearTimeout(h);
    client.clearTimeout(undefined);
    await clock.advance(50 * NS_PER_MS);
    expect(fired).toBe(false);
  });

  it('refuses two runners at once', async () => {
    const clock = new VirtualClock();
    clock.schedule(10, () => {});
    const first = clock.advance(100);
    await expect(clock.advance(100)).rejects.toThrow(ClockError);
    await first;
  });

  it('run() waits for input when idle in fast mode, then resumes', async () => {
    const clock = new VirtualClock();
    const seen: number[] = [];
    const running = clock.run();
    await new Promise((r) => setImmediate(r));
    clock.schedule(7, () => {
      seen.push(clock.now());
      clock.schedule(3, () => {
        seen.push(clock.now());
        clock.stop();
      });
    });
    await running;
    expect(seen).toEqual([7, 10]);
  });

  it('real-time mode follows the given wall clock', async () => {
    let wallMs = 1000;
    const clock = new VirtualClock({ mode: 'realtime', wall: { nowMs: () => wallMs } });
    expect(clock.now()).toBe(0);
    wallMs += 2;
    expect(clock.now()).toBe(2 * NS_PER_MS);
    // A time computed a moment ago that the wall clock has just passed is due now, not an error.
    const due = clock.now();
    wallMs += 0.001;
    let late = -1;
    clock.scheduleAt(due, () => (late = clock.now()));
    const seen: number[] = [];
    clock.schedule(0, () => {
      seen.push(clock.now());
      clock.stop();
    });
    await clock.run();
    expect(late).toBeCloseTo(2.001 * NS_PER_MS, 3);
    expect(seen).toEqual([late]);
    await expect(clock.advance(1)).rejects.toThrow(ClockError);
  });

  it('real-time mode runs overdue events at their own times, keeping their spacing', async () => {
    let wallMs = 0;
    const clock = new VirtualClock({ mode: 'realtime', wall: { nowMs: () => wallMs } });
    const seen: number[] = [];
    // Three characters 4 µs apart, then the wall clock jumps 5 ms (a busy host).
    for (const us of [1000, 1004, 1008]) clock.scheduleAt(us * 1000, () => seen.push(clock.now()));
    clock.scheduleAt(1_012_000, () => {
      seen.push(clock.now());
      clock.schedule(4000, () => {
        seen.push(clock.now());
        clock.stop();
      });
    });
    wallMs = 6;
    expect(clock.now()).toBe(1_000_000); // held at the first pending event
    await clock.run();
    expect(seen).toEqual([1_000_000, 1_004_000, 1_008_000, 1_012_000, 1_016_000]);
  });
});

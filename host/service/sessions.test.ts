// The session manager alone, on a manual clock: exclusivity, FIFO waiting, idle timeout (not
// while an operation runs), release on disconnect with the session's signal aborted.
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from './config.ts';
import type { ServiceError } from './errors.ts';
import { SessionManager, type SessionEventJson } from './sessions.ts';
import { ManualClock } from './testing/service-rig.ts';

function manager(): { clock: ManualClock; sessions: SessionManager; events: SessionEventJson[] } {
  const clock = new ManualClock();
  const sessions = new SessionManager(clock, DEFAULT_LIMITS);
  const events: SessionEventJson[] = [];
  sessions.on('event', (e) => events.push(e));
  return { clock, sessions, events };
}

const a = { application: 'a', clientId: 'client-a' };
const b = { application: 'b', clientId: 'client-b' };
const c = { application: 'c' };

describe('SessionManager', () => {
  it('grants waiters in order as the reader is released', async () => {
    const { sessions } = manager();
    const first = await sessions.acquire('r', a);
    const order: string[] = [];
    const second = sessions.acquire('r', b, { waitMs: 1000 }).then((s) => (order.push('b'), s));
    const third = sessions.acquire('r', c, { waitMs: 1000 }).then((s) => (order.push('c'), s));
    expect(sessions.waiting('r')).toBe(2);
    sessions.release(first.id);
    const s2 = await second;
    expect(sessions.holder('r')?.application).toBe('b');
    sessions.release(s2.id);
    await third;
    expect(order).toEqual(['b', 'c']);
  });

  it('refuses at once without waitMs, naming the holder', async () => {
    const { sessions } = manager();
    await sessions.acquire('r', a);
    await expect(sessions.acquire('r', b)).rejects.toMatchObject({
      status: 409,
      code: 'reader-busy',
      extra: { holder: 'a' },
    });
    // Another reader is independent.
    await expect(sessions.acquire('s', b)).resolves.toMatchObject({ reader: 's' });
  });

  it('times out when idle, but not while an operation runs under it', async () => {
    const { clock, sessions, events } = manager();
    const s = await sessions.acquire('r', a, { timeoutMs: 1000 });
    const op = sessions.admit('r', a, s.id);
    clock.advance(5000);
    expect(sessions.holder('r')?.id).toBe(s.id);
    op.done();
    clock.advance(999);
    expect(sessions.holder('r')?.id).toBe(s.id);
    clock.advance(1);
    expect(sessions.holder('r')).toBeUndefined();
    expect(events.at(-1)).toEqual({
      type: 'session-released',
      reader: 'r',
      application: 'a',
      reason: 'timeout',
    });
  });

  it("a client's disconnect ends its sessions (aborting what runs) and drops its waits", async () => {
    const { sessions, events } = manager();
    const s = await sessions.acquire('r', a);
    const op = sessions.admit('r', a, s.id);
    const wait = sessions.acquire('r', b, { waitMs: 1000 });
    sessions.releaseClient('client-a');
    expect(op.signal?.aborted).toBe(true);
    expect(events).toContainEqual({
      type: 'session-released',
      reader: 'r',
      application: 'a',
      reason: 'disconnected',
    });
    await expect(wait).resolves.toMatchObject({ application: 'b' });
    // b waits for another reader, then goes: that wait ends too.
    await sessions.acquire('q', c);
    const waitQ = sessions.acquire('q', b, { waitMs: 1000 });
    sessions.releaseClient('client-b');
    await expect(waitQ).rejects.toMatchObject({ code: 'session-closed' });
    expect(sessions.holder('r')).toBeUndefined();
    expect(sessions.waiting('q')).toBe(0);
  });

  it('a waiter gives up after waitMs with 409', async () => {
    const { clock, sessions } = manager();
    await sessions.acquire('r', a);
    const wait = sessions.acquire('r', b, { waitMs: 500 });
    clock.advance(500);
    const e = (await wait.catch((x: unknown) => x)) as ServiceError;
    expect(e.code).toBe('reader-busy');
    expect(e.message).toContain('waited 500 ms');
    expect(sessions.waiting('r')).toBe(0);
  });

  it('a client waits for one session at a time; a reader has at most maxSessionWaiters', async () => {
    const clock = new ManualClock();
    const sessions = new SessionManager(clock, { ...DEFAULT_LIMITS, maxSessionWaiters: 2 });
    await sessions.acquire('r', a);
    await sessions.acquire('q', a);
    const first = sessions.acquire('r', b, { waitMs: 1000 });
    // The same client again, for this reader or another: refused, the first wait goes on.
    for (const reader of ['r', 'q'])
      await expect(sessions.acquire(reader, b, { waitMs: 1000 })).rejects.toMatchObject({
        status: 429,
        code: 'acquire-pending',
      });
    expect(sessions.waiting('r')).toBe(1);
    const second = sessions.acquire('r', c, { waitMs: 1000 });
    await expect(
      sessions.acquire('r', { application: 'd' }, { waitMs: 1000 }),
    ).rejects.toMatchObject({
      status: 503,
      code: 'too-many-waiters',
      message: '2 requests already wait for reader "r"; try again later',
      headers: { 'retry-after': '30' },
    });
    expect(sessions.waiting('r')).toBe(2);
    clock.advance(1000);
    await expect(first).rejects.toMatchObject({ code: 'reader-busy' });
    await expect(second).rejects.toMatchObject({ code: 'reader-busy' });
    // Its wait over, the client may wait again.
    const again = sessions.acquire('r', b, { waitMs: 1000 });
    expect(sessions.waiting('r')).toBe(1);
    sessions.releaseClient('client-a');
    await expect(again).resolves.toMatchObject({ application: 'b' });
  });

  it('a wait ends when its signal fires, and the reader goes to the next in line', async () => {
    const { sessions } = manager();
    const s = await sessions.acquire('r', a);
    const gone = new AbortController();
    const first = sessions.acquire('r', c, { waitMs: 5000, signal: gone.signal });
    const second = sessions.acquire('r', b, { waitMs: 5000 });
    gone.abort();
    await expect(first).rejects.toMatchObject({ code: 'session-closed' });
    expect(sessions.waiting('r')).toBe(1);
    sessions.release(s.id);
    await expect(second).resolves.toMatchObject({ application: 'b' });
    // Already gone: never granted, even with the reader free.
    await expect(sessions.acquire('x', c, { signal: gone.signal })).rejects.toMatchObject({
      code: 'session-closed',
    });
    expect(sessions.holder('x')).toBeUndefined();
  });

  it("admission: another application's session id is unknown; without one, the holder blocks others", async () => {
    const { sessions } = manager();
    const s = await sessions.acquire('r', a);
    expect(() => sessions.admit('r', b, s.id)).toThrow(/no session/);
    expect(() => sessions.admit('r', b, undefined)).toThrow(/held by an exclusive session of "a"/);
    expect(() => sessions.admit('other', a, s.id)).toThrow(/holds reader "r"/);
    expect(() => sessions.admit('free', b, undefined)).not.toThrow();
  });
});

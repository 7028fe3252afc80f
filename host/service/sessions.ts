// Sharing one reader among applications (USERS.md: "读卡器被占用"): any client may run an
// operation while nobody holds the reader; a client that needs several operations in a row takes
// an exclusive session. While one is held, the others get 409 reader-busy (or wait, if they ask
// to). A session ends when its holder releases it, when it has been idle for its timeout, when
// the holder's WebSocket closes, or when the reader goes away. Its AbortSignal fires then, which
// ends a PIN entry in progress on the reader.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Clock } from '../clock.ts';
import type { ServiceLimits } from './config.ts';
import { ServiceError } from './errors.ts';

export type ReleaseReason = 'released' | 'timeout' | 'disconnected' | 'reader-detached' | 'closed';

export interface SessionOwner {
  application: string;
  /** The WebSocket client the session belongs to; it ends when that connection closes. */
  clientId?: string;
}

export interface SessionView {
  id: string;
  reader: string;
  application: string;
  clientId?: string;
  timeoutMs: number;
  /** Clock milliseconds at which it ends if still idle. */
  expiresAt: number;
}

export type SessionEventJson =
  | { type: 'session-acquired'; reader: string; application: string }
  | { type: 'session-released'; reader: string; application: string; reason: ReleaseReason };

export interface SessionEvents {
  event: [event: SessionEventJson];
}

interface Session {
  readonly id: string;
  readonly reader: string;
  readonly owner: SessionOwner;
  readonly timeoutMs: number;
  readonly abort: AbortController;
  expiresAt: number;
  timer: unknown;
  /** Operations running under it: it does not time out while one runs. */
  running: number;
}

interface Waiter {
  readonly owner: SessionOwner;
  readonly timeoutMs: number;
  readonly grant: (s: Session) => void;
  readonly fail: (e: ServiceError) => void;
  timer: unknown;
}

export class SessionManager extends EventEmitter<SessionEvents> {
  readonly #clock: Clock;
  readonly #limits: ServiceLimits;
  readonly #byId = new Map<string, Session>();
  readonly #byReader = new Map<string, Session>();
  readonly #waiting = new Map<string, Waiter[]>();

  constructor(clock: Clock, limits: ServiceLimits) {
    super();
    this.#clock = clock;
    this.#limits = limits;
  }

  /**
   * Takes `reader` for `owner`. When another client holds it: 409 reader-busy at once, or after
   * `waitMs` if the reader was not freed by then (FIFO among the waiting). A client waits for one
   * session at a time (429 acquire-pending), at most limits.maxSessionWaiters wait for a reader
   * (503 too-many-waiters), and a wait ends when `signal` fires (the request went away).
   */
  acquire(
    reader: string,
    owner: SessionOwner,
    options: { timeoutMs?: number; waitMs?: number; signal?: AbortSignal } = {},
  ): Promise<SessionView> {
    const timeoutMs = options.timeoutMs ?? this.#limits.sessionTimeoutMs;
    const waitMs = Math.min(options.waitMs ?? 0, this.#limits.maxWaitMs);
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(gone());
    const holder = this.#byReader.get(reader);
    if (!holder) return Promise.resolve(this.#view(this.#grant(reader, owner, timeoutMs)));
    if (waitMs <= 0) return Promise.reject(this.#busy(holder));
    if (owner.clientId !== undefined && this.#isWaiting(owner.clientId))
      return Promise.reject(
        new ServiceError(
          429,
          'acquire-pending',
          'this client already waits for a session; one wait at a time',
        ),
      );
    const list = this.#waiting.get(reader) ?? [];
    if (list.length >= this.#limits.maxSessionWaiters)
      return Promise.reject(
        new ServiceError(
          503,
          'too-many-waiters',
          `${list.length} requests already wait for reader "${reader}"; try again later`,
          { holder: holder.owner.application, expiresAt: holder.expiresAt },
          {
            'retry-after': String(
              Math.max(1, Math.ceil((holder.expiresAt - this.#clock.now()) / 1000)),
            ),
          },
        ),
      );
    return new Promise<SessionView>((resolve, reject) => {
      const onAbort = (): void => {
        this.#dropWaiter(reader, waiter);
        reject(gone());
      };
      const waiter: Waiter = {
        owner,
        timeoutMs,
        grant: (s) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.#view(s));
        },
        fail: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
        timer: undefined,
      };
      waiter.timer = this.#clock.setTimeout(() => {
        this.#dropWaiter(reader, waiter);
        const now = this.#byReader.get(reader);
        waiter.fail(
          now
            ? this.#busy(now, ` (waited ${waitMs} ms)`)
            : new ServiceError(409, 'reader-busy', 'the reader is busy'),
        );
      }, waitMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      list.push(waiter);
      this.#waiting.set(reader, list);
    });
  }

  /** Ends a session; false when there is no such session. */
  release(id: string, reason: ReleaseReason = 'released'): boolean {
    const s = this.#byId.get(id);
    if (!s) return false;
    this.#clock.clearTimeout(s.timer);
    this.#byId.delete(id);
    this.#byReader.delete(s.reader);
    s.abort.abort(new ServiceError(409, 'session-closed', `the session ended (${reason})`));
    this.emit('event', {
      type: 'session-released',
      reader: s.reader,
      application: s.owner.application,
      reason,
    });
    this.#next(s.reader);
    return true;
  }

  /** A WebSocket client went away: its sessions end and its waits are dropped. */
  releaseClient(clientId: string): void {
    for (const s of [...this.#byId.values()]) {
      if (s.owner.clientId === clientId) this.release(s.id, 'disconnected');
    }
    for (const [reader, list] of this.#waiting) {
      for (const w of [...list]) {
        if (w.owner.clientId === clientId) {
          this.#dropWaiter(reader, w);
          w.fail(new ServiceError(409, 'session-closed', 'the client disconnected'));
        }
      }
    }
  }

  /** The reader went away: its session ends. */
  releaseReader(reader: string, reason: ReleaseReason = 'reader-detached'): void {
    const s = this.#byReader.get(reader);
    if (s) this.release(s.id, reason);
  }

  /** The session `id` if `owner`'s application holds it (404 otherwise). */
  get(id: string, owner: SessionOwner): SessionView {
    return this.#view(this.#own(id, owner));
  }

  /** The sessions held now. */
  list(): SessionView[] {
    return [...this.#byId.values()].map((s) => this.#view(s));
  }

  #isWaiting(clientId: string): boolean {
    for (const list of this.#waiting.values())
      if (list.some((w) => w.owner.clientId === clientId)) return true;
    return false;
  }

  /** How many requests wait for `reader`. */
  waiting(reader: string): number {
    return this.#waiting.get(reader)?.length ?? 0;
  }

  holder(reader: string): SessionView | undefined {
    const s = this.#byReader.get(reader);
    return s && this.#view(s);
  }

  /**
   * Lets an operation on `reader` in: under the caller's session (which must be for this reader),
   * or without one while nobody holds the reader. Returns the session's signal and a function to
   * call when the operation ends; the session cannot time out in between.
   */
  admit(
    reader: string,
    owner: SessionOwner,
    sessionId: string | undefined,
  ): { signal?: AbortSignal; done: () => void } {
    if (sessionId === undefined) {
      const holder = this.#byReader.get(reader);
      if (holder) throw this.#busy(holder);
      return { done: () => {} };
    }
    const s = this.#own(sessionId, owner);
    if (s.reader !== reader)
      throw new ServiceError(
        409,
        'reader-busy',
        `session ${sessionId} holds reader "${s.reader}", not "${reader}"`,
      );
    s.running++;
    this.#clock.clearTimeout(s.timer);
    let ended = false;
    return {
      signal: s.abort.signal,
      done: () => {
        if (ended) return;
        ended = true;
        s.running--;
        if (this.#byId.get(s.id) === s) this.#arm(s);
      },
    };
  }

  /** Restarts the idle timeout. */
  touch(id: string, owner: SessionOwner): SessionView {
    const s = this.#own(id, owner);
    if (s.running === 0) this.#arm(s);
    return this.#view(s);
  }

  close(): void {
    for (const id of [...this.#byId.keys()]) this.release(id, 'closed');
    for (const [reader, list] of this.#waiting) {
      for (const w of [...list]) {
        this.#dropWaiter(reader, w);
        w.fail(new ServiceError(503, 'session-closed', 'the service is stopping'));
      }
    }
  }

  #grant(reader: string, owner: SessionOwner, timeoutMs: number): Session {
    const s: Session = {
      id: randomBytes(16).toString('hex'),
      reader,
      owner,
      timeoutMs,
      abort: new AbortController(),
      expiresAt: 0,
      timer: undefined,
      running: 0,
    };
    this.#byId.set(s.id, s);
    this.#byReader.set(reader, s);
    this.#arm(s);
    this.emit('event', { type: 'session-acquired', reader, application: owner.application });
    return s;
  }

  #arm(s: Session): void {
    this.#clock.clearTimeout(s.timer);
    s.expiresAt = this.#clock.now() + s.timeoutMs;
    s.timer = this.#clock.setTimeout(() => this.release(s.id, 'timeout'), s.timeoutMs);
  }

  #next(reader: string): void {
    const list = this.#waiting.get(reader);
    const w = list?.shift();
    if (list && list.length === 0) this.#waiting.delete(reader);
    if (!w) return;
    this.#clock.clearTimeout(w.timer);
    w.grant(this.#grant(reader, w.owner, w.timeoutMs));
  }

  #dropWaiter(reader: string, w: Waiter): void {
    this.#clock.clearTimeout(w.timer);
    const list = this.#waiting.get(reader);
    if (!list) return;
    const i = list.indexOf(w);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.#waiting.delete(reader);
  }

  #own(id: string, owner: SessionOwner): Session {
    const s = this.#byId.get(id);
    // Another application's session is reported as unknown: its id is not the caller's business.
    if (!s || s.owner.application !== owner.application)
      throw new ServiceError(
        404,
        'unknown-session',
        `no session ${JSON.stringify(id)} of this application`,
      );
    return s;
  }

  #busy(holder: Session, more = ''): ServiceError {
    return new ServiceError(
      409,
      'reader-busy',
      `reader "${holder.reader}" is held by an exclusive session of "${holder.owner.application}"${more}`,
      { holder: holder.owner.application, expiresAt: holder.expiresAt },
    );
  }

  #view(s: Session): SessionView {
    return {
      id: s.id,
      reader: s.reader,
      application: s.owner.application,
      ...(s.owner.clientId ? { clientId: s.owner.clientId } : {}),
      timeoutMs: s.timeoutMs,
      expiresAt: s.expiresAt,
    };
  }
}

/** A wait ended because its request went away. */
function gone(): ServiceError {
  return new ServiceError(409, 'session-closed', 'the request waiting for the session was closed');
}

// The card operations the API offers, over the readers of the hub: each one is admitted by the
// session manager (another application's exclusive session → 409), runs alone on its reader (a
// FIFO per reader, so an operation that uses the user card and the PSAM is never interleaved with
// another), and is counted and timed in the metrics. Results are typed JSON; the national
// functions return the national code and string (national.ts).
import { performance } from 'node:perf_hooks';
import {
  Psam,
  readBankCard,
  readHealthCard,
  readSscBasic,
  type BankCardData,
  type CardSession,
  type HealthCardData,
  type SscBasicInfo,
} from '../index.ts';
import { apduMayCarryPin } from '../../protocol/pin-commands.ts';
import { CONTROL_TIMEOUT_MS } from '../ccid/card-timeouts.ts';
import type { Clock } from '../clock.ts';
import { PIN_FIRST_KEY_DEFAULT_S, type ServiceLimits } from './config.ts';
import { toHex } from '../iso7816/hex.ts';
import type { EventBus } from './event-bus.ts';
import { ServiceError, toServiceError } from './errors.ts';
import type { ServiceMetrics } from './metrics.ts';
import { changePin, verifyPin } from '../pin/pin-entry.ts';
import type { SecureChannel } from '../pin/secure-channel.ts';
import { secureChannelOf, type ChangePinOutcome, type PinEntryOptions } from './pin.ts';
import type { SlidingWindowLimit } from './rate-limit.ts';
import type { HubReader, ReaderHub } from './reader-hub.ts';
import type { SessionManager } from './sessions.ts';

/** Who is calling: the application (from its token), its WebSocket client and session, if any. */
export interface Caller {
  application: string;
  clientId?: string;
  sessionId?: string;
  rawApdu: boolean;
}

export interface ApduResult {
  /** Response data, hex. */
  data: string;
  /** SW1 SW2, hex. */
  sw: string;
}

export interface OperationsDeps {
  hub: ReaderHub;
  sessions: SessionManager;
  bus: EventBus;
  metrics: ServiceMetrics;
  pinLimit: SlidingWindowLimit;
  terminalDeviceNumber: string;
  /** The service's timers (deadlines). */
  clock: Clock;
  limits: ServiceLimits;
}

/**
 * One operation at a time per reader, first come first served. A waiting operation whose signal
 * fires (its deadline) leaves the line with the signal's reason.
 */
class ReaderQueue {
  #running = false;
  readonly #waiting: (() => void)[] = [];

  /** Operations running or waiting. */
  get size(): number {
    return this.#waiting.length + (this.#running ? 1 : 0);
  }

  /** Resolves with a release function when it is this caller's turn. */
  enter(signal: AbortSignal): Promise<() => void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = (): void => {
        const i = this.#waiting.indexOf(start);
        if (i >= 0) this.#waiting.splice(i, 1);
        reject(signal.reason);
      };
      const start = (): void => {
        signal.removeEventListener('abort', onAbort);
        this.#running = true;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.#running = false;
          this.#waiting.shift()?.();
        });
      };
      if (!this.#running) {
        start();
        return;
      }
      this.#waiting.push(start);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** Resolves or rejects as `work` does, or rejects with the signal's reason when it fires first. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e as Error);
      },
    );
  });
}

export class CardOperations {
  readonly #d: OperationsDeps;
  readonly #queues = new Map<string, ReaderQueue>();
  readonly #psams = new WeakMap<CardSession, Psam>();

  constructor(deps: OperationsDeps) {
    this.#d = deps;
  }

  get hub(): ReaderHub {
    return this.#d.hub;
  }

  /** Operations running on or waiting for `reader`. */
  queued(reader: string): number {
    return this.#queues.get(reader)?.size ?? 0;
  }

  /**
   * The deadline of an operation with `pins` PIN entries on the keypad (0 for a card read), the
   * first key of each allowed `timeoutSeconds` (0 or none: the reader's default).
   */
  deadlineMs(pins = 0, timeoutSeconds = 0): number {
    const { operationMs, pinEntryMs } = this.#d.limits;
    const longerFirstKey = Math.max(0, timeoutSeconds - PIN_FIRST_KEY_DEFAULT_S) * 1000;
    return operationMs + pins * (pinEntryMs + longerFirstKey);
  }

  /**
   * Runs `fn` on a reader for `caller`, admitted, alone on the reader, measured. `outcome` names
   * a successful result for the metrics ('ok' by default). The operation has `deadlineMs` from
   * now, waiting for the reader included: past it the caller gets 504 operation-timeout, `fn`'s
   * signal fires (a PIN entry ends on the reader), and the reader goes to the next operation as
   * soon as `fn` settles — or the driver's control timeout later if it never does. At most
   * limits.maxQueued operations wait for one reader (503 reader-queue-full beyond).
   */
  async run<T>(
    caller: Caller,
    readerId: string | undefined,
    operation: string,
    fn: (entry: HubReader, signal: AbortSignal) => Promise<T>,
    outcome: (result: T) => string = () => 'ok',
    deadlineMs: number = this.deadlineMs(),
  ): Promise<T> {
    const entry = this.#d.hub.pick(readerId);
    const owner = { application: caller.application, clientId: caller.clientId };
    // Refused at once when another application holds the reader, and again after the wait.
    this.#d.sessions.admit(entry.id, owner, caller.sessionId).done();
    const queue = this.#queues.get(entry.id) ?? new ReaderQueue();
    this.#queues.set(entry.id, queue);
    const { maxQueued } = this.#d.limits;
    if (queue.size > maxQueued)
      throw new ServiceError(
        503,
        'reader-queue-full',
        `reader "${entry.id}" already has ${maxQueued} operations waiting; try again shortly`,
        {},
        { 'retry-after': '1' },
      );
    const clock = this.#d.clock;
    const deadline = new AbortController();
    let release: (() => void) | undefined;
    let grace: unknown;
    const free = (): void => {
      clock.clearTimeout(grace);
      release?.();
    };
    const timer = clock.setTimeout(() => {
      deadline.abort(
        new ServiceError(
          504,
          'operation-timeout',
          release
            ? `${operation} on reader "${entry.id}" did not finish within ${deadlineMs} ms and was stopped`
            : `${operation} waited ${deadlineMs} ms for reader "${entry.id}" and was not started`,
        ),
      );
      // Stopped but perhaps never settling: the reader is freed after the driver's control
      // timeout at the latest (a settled operation frees it at once).
      if (release) grace = clock.setTimeout(free, CONTROL_TIMEOUT_MS);
    }, deadlineMs);
    const start = performance.now();
    let label = 'ok';
    let work: Promise<T> | undefined;
    try {
      release = await queue.enter(deadline.signal);
      const admission = this.#d.sessions.admit(entry.id, owner, caller.sessionId);
      try {
        const signal = admission.signal
          ? AbortSignal.any([admission.signal, deadline.signal])
          : deadline.signal;
        work = fn(entry, signal);
        work.then(free, free);
        const result = await untilAborted(work, deadline.signal);
        label = outcome(result);
        return result;
      } finally {
        admission.done();
      }
    } catch (e) {
      label = toServiceError(e).code;
      throw e;
    } finally {
      clock.clearTimeout(timer);
      if (!work) free();
      this.#d.metrics.operations.inc({ operation, outcome: label });
      this.#d.metrics.operationSeconds.observe({ operation }, (performance.now() - start) / 1000);
    }
  }

  /** The user card's session (slot 0 on our readers). */
  userCard(entry: HubReader): Promise<CardSession> {
    return this.#d.hub.channel(entry, this.#d.hub.userSlot(entry));
  }

  /** The PSAM in the first occupied SAM slot, if any. */
  async psam(entry: HubReader): Promise<Psam | undefined> {
    const slot = this.#d.hub.samSlot(entry);
    if (slot === undefined) return undefined;
    const session = await this.#d.hub.channel(entry, slot);
    let psam = this.#psams.get(session);
    if (!psam) this.#psams.set(session, (psam = new Psam(session)));
    return psam;
  }

  readSsc(caller: Caller, readerId?: string): Promise<SscBasicInfo> {
    return this.run(caller, readerId, 'ssc.read', async (entry) => {
      const card = await this.userCard(entry);
      const psam = await this.psam(entry);
      return readSscBasic(card, {
        psam,
        terminalDeviceNumber: this.#d.terminalDeviceNumber,
      });
    });
  }

  readHealth(
    caller: Caller,
    readerId: string | undefined,
    include: { contacts?: boolean; addresses?: boolean; clinical?: boolean },
  ): Promise<HealthCardData> {
    return this.run(caller, readerId, 'health.read', async (entry) => {
      const card = await this.userCard(entry);
      const psam = await this.psam(entry);
      return readHealthCard(card, { psam, include });
    });
  }

  readBank(caller: Caller, readerId?: string): Promise<BankCardData> {
    return this.run(caller, readerId, 'bank.read', async (entry) =>
      readBankCard(await this.userCard(entry)),
    );
  }

  /**
   * Raw APDUs, for applications allowed them. A command that may carry a PIN typed on the PC, or
   * hide one (ENVELOPE, chaining), is refused before any byte goes to the card
   * (protocol/pin-commands.ts apduMayCarryPin).
   */
  apdu(
    caller: Caller,
    readerId: string,
    slot: number,
    apdus: readonly Uint8Array[],
  ): Promise<ApduResult[]> {
    if (!caller.rawApdu)
      throw new ServiceError(
        403,
        'raw-apdu-not-allowed',
        `application "${caller.application}" may not send raw APDUs (rawApdu in the config)`,
      );
    apdus.forEach((a, i) => {
      if (apduMayCarryPin(a[0], a[1], a.length))
        throw new ServiceError(
          403,
          'pin-apdu-refused',
          `apdus[${i}] may carry a PIN from the PC (VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER, CHANGE PIN, or a command hidden in ENVELOPE or chaining, with data); PINs are typed on the reader's keypad (POST /api/readers/{reader}/pin/verify)`,
        );
    });
    return this.run(caller, readerId, 'apdu', async (entry, signal) => {
      if (!entry.reader.slots.some((s) => s.index === slot))
        throw new ServiceError(
          404,
          'bad-request',
          `reader "${entry.id}" has no slot ${slot} (slots: ${entry.reader.slots.map((s) => s.index).join(', ') || 'none while detached'})`,
        );
      const session = await this.#d.hub.channel(entry, slot);
      return session.transaction(
        async () => {
          const out: ApduResult[] = [];
          for (const apdu of apdus) {
            const r = await session.transmit(apdu, { signal });
            out.push({
              data: toHex(r.subarray(0, r.length - 2)),
              sw: toHex(r.subarray(r.length - 2)),
            });
          }
          return out;
        },
        { signal },
      );
    });
  }

  /** PIN verification on the reader's keypad. */
  verifyPin(
    caller: Caller,
    readerId: string | undefined,
    options: Pick<PinEntryOptions, 'language' | 'timeoutSeconds'>,
  ): Promise<ChangePinOutcome> {
    return this.#pin(caller, readerId, 'verify', options);
  }

  /** PIN change on the reader's keypad: current PIN, new PIN, new PIN again. */
  changePin(
    caller: Caller,
    readerId: string | undefined,
    options: Pick<PinEntryOptions, 'language' | 'timeoutSeconds'>,
  ): Promise<ChangePinOutcome> {
    return this.#pin(caller, readerId, 'change', options);
  }

  /** The PIN entry itself, for callers already inside run() (iReadCard with iAuthType 1). */
  pinEntry(
    caller: Caller,
    entry: HubReader,
    operation: 'verify' | 'change',
    options: Pick<PinEntryOptions, 'language' | 'timeoutSeconds'>,
    signal: AbortSignal | undefined,
    card?: CardSession,
  ): Promise<ChangePinOutcome> {
    return this.onKeypad(
      caller,
      entry,
      operation,
      signal,
      (channel) =>
        (operation === 'verify' ? verifyPin : changePin)({
          slot: channel,
          application: 'ssc',
          ...options,
        }),
      (o) => o.outcome,
      card,
    );
  }

  /**
   * Runs `fn` with the reader's PIN pad on the user card (host/pin's SecureChannel): the entry is
   * announced to the caller's application, its progress (a count of digits) published, the
   * session's signal ends it on the reader, and its outcome is counted.
   */
  async onKeypad<T>(
    caller: Caller,
    entry: HubReader,
    operation: 'verify' | 'change',
    signal: AbortSignal | undefined,
    fn: (channel: SecureChannel) => Promise<T>,
    outcomeOf: (result: T) => string,
    card?: CardSession,
  ): Promise<T> {
    const caps = entry.reader.capabilities;
    if (entry.reader.attached && caps && !caps.pinVerify)
      throw new ServiceError(
        501,
        'pin-pad-unavailable',
        `reader "${entry.id}" has no PIN pad (${caps.profile} profile)`,
      );
    const pad = secureChannelOf(card ?? (await this.userCard(entry)));
    const bus = this.#d.bus;
    const app = caller.application;
    const channel: SecureChannel = {
      secure: (payload, options = {}) =>
        pad.secure(payload, {
          ...options,
          signal: signal ?? options.signal,
          onProgress: (p) => {
            options.onProgress?.(p);
            bus.publish(
              { type: 'pin-progress', reader: entry.id, digits: p.digits, stage: p.stage },
              app,
            );
          },
        }),
    };
    bus.publish({ type: 'pin-entry-started', reader: entry.id, operation }, app);
    let result = 'error';
    try {
      const r = await fn(channel);
      result = outcomeOf(r);
      return r;
    } catch (e) {
      result = toServiceError(e).code;
      throw e;
    } finally {
      this.#d.metrics.pinEntries.inc({ operation, outcome: result });
      bus.publish({ type: 'pin-entry-ended', reader: entry.id, outcome: result }, app);
    }
  }

  /** Counts a PIN operation against the caller's limit (429 beyond it). */
  takePinAllowance(caller: Caller): void {
    this.#d.pinLimit.take(caller.application, 'PIN operations');
  }

  #pin(
    caller: Caller,
    readerId: string | undefined,
    operation: 'verify' | 'change',
    options: Pick<PinEntryOptions, 'language' | 'timeoutSeconds'>,
  ): Promise<ChangePinOutcome> {
    this.takePinAllowance(caller);
    return this.run(
      caller,
      readerId,
      `pin.${operation}`,
      (entry, signal) => this.pinEntry(caller, entry, operation, options, signal),
      (o) => o.outcome,
      this.deadlineMs(operation === 'change' ? 3 : 1, options.timeoutSeconds),
    );
  }
}

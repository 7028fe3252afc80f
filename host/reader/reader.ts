// One reader, from open to close: it attaches (open + negotiate, reader-connection.ts), keeps its
// slots' card state from pushed `50 xx` (native) or GetSlotStatus polling (compat), and when its
// link is lost fails everything pending with ReaderDetachedError, reports `detached`, then
// reopens with bounded backoff and reports `attached` again — no process restart.
import { EventEmitter } from 'node:events';
import { IccStatus, PcToRdr, PowerSelect, RdrToPc } from '../../protocol/ccid-constants.ts';
import type { NotifySlotChange } from '../../protocol/ccid-messages.ts';
import { VendorCommand } from '../../protocol/native-constants.ts';
import type { DeviceInfo } from '../../protocol/native/device-info.ts';
import { realClock, sleep, type Clock } from '../clock.ts';
import {
  BadRequestError,
  CancelledError,
  NotSupportedInCompatError,
  NotSupportedError,
  ReaderDetachedError,
  ReaderError,
  ReaderTimeoutError,
  SessionClosedError,
} from '../ccid/errors.ts';
import type { Tracer } from '../ccid/frame-channel.ts';
import type { Transport } from '../transport/transport.ts';
import { isTransportError } from '../transport/transport-error.ts';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.ts';
import type { ReaderCapabilities } from './capabilities.ts';
import type { CardSession, ShareMode } from './card-session.ts';
import { ReaderConnection, type ProfileChoice } from './reader-connection.ts';
import { DEFAULT_POWER_SELECT } from './card-power.ts';
import { Slot } from './slot.ts';
import { escapeData, vendorEscape } from './vendor.ts';

/** pcscd polls a serial reader's slot status about every 400 ms (ccid-over-serial.md §13.4). */
export const COMPAT_POLL_MS = 400;
/**
 * A native reader pushes card events, but a reader that restarted on the same link (power cut,
 * watchdog) comes back in compat and pushes nothing: a slow status poll notices (its echo, or
 * its silence) and keeps presence right if a `50 xx` was lost on a noisy line.
 */
export const NATIVE_KEEPALIVE_MS = 5000;

export type ReaderState = 'connecting' | 'attached' | 'detached' | 'closed';

export interface CardEvent {
  readonly reader: Reader;
  readonly slot: number;
  readonly kind: 'user' | 'sam';
}

export interface ReaderEvents {
  attached: [reader: Reader];
  detached: [reader: Reader, error: ReaderError];
  'card-inserted': [event: CardEvent];
  'card-removed': [event: CardEvent];
  warning: [text: string];
}

export interface ReaderOptions {
  clock?: Clock;
  backoff?: BackoffPolicy;
  trace?: Tracer;
  /** Compat polling interval (ms). */
  pollMs?: number;
  /** Native keep-alive status poll interval (ms); 0 turns it off. */
  keepAliveMs?: number;
  /** 'auto' (default): native when the reader speaks it. 'compat': stay in compat. */
  profile?: ProfileChoice;
  /**
   * bPowerSelect of IccPowerOn, for every slot or per slot: class A (PowerSelect.V5, 5 V) by
   * default, since every card in scope works at class A and runs 25 % faster there than at the
   * class B an automatic activation ends at (card-power.ts says why). PowerSelect.Automatic
   * lets the reader choose as ISO 7816-3 §6.2.4 says (class C first).
   */
  powerSelect?: PowerSelect | ((slot: number) => PowerSelect);
}

export interface ConnectOptions {
  share?: ShareMode;
}

export class Reader extends EventEmitter<ReaderEvents> {
  readonly transport: Transport;
  readonly #clock: Clock;
  readonly #backoff: BackoffPolicy;
  readonly #trace: Tracer | undefined;
  readonly #pollMs: number;
  readonly #keepAliveMs: number;
  readonly #profile: ProfileChoice;
  readonly #powerSelect: (slot: number) => PowerSelect;
  #state: ReaderState = 'connecting';
  #connection: ReaderConnection | undefined;
  #capabilities: ReaderCapabilities | undefined;
  #slots: Slot[] = [];
  #lastError: ReaderError | undefined;
  #wake: AbortController | undefined;
  #pollTimer: unknown;
  #polling = false;
  #running: Promise<void> | undefined;
  /** Ends the wait for the current connection's loss (close() and reconnect() use it). */
  #endWait: (() => void) | undefined;
  /** whenAttached() calls to fail when the reader is closed. */
  readonly #closeWaiters = new Set<() => void>();

  constructor(transport: Transport, options: ReaderOptions = {}) {
    super();
    this.transport = transport;
    this.#clock = options.clock ?? realClock;
    this.#backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.#trace = options.trace;
    this.#pollMs = options.pollMs ?? COMPAT_POLL_MS;
    this.#keepAliveMs = options.keepAliveMs ?? NATIVE_KEEPALIVE_MS;
    this.#profile = options.profile ?? 'auto';
    const select = options.powerSelect ?? DEFAULT_POWER_SELECT;
    this.#powerSelect = typeof select === 'function' ? select : () => select;
  }

  /** The port: a device path, `tcp:127.0.0.1:35963`, `sim:…`. */
  get path(): string {
    return this.transport.path;
  }

  get state(): ReaderState {
    return this.#state;
  }

  get attached(): boolean {
    return this.#state === 'attached';
  }

  /** What the reader can do (known once attached; kept while detached). */
  get capabilities(): ReaderCapabilities | undefined {
    return this.#capabilities;
  }

  /** Why the reader is detached, when it is. */
  get lastError(): ReaderError | undefined {
    return this.#lastError;
  }

  get slots(): readonly {
    index: number;
    kind: 'user' | 'sam';
    present: boolean;
    powered: boolean;
  }[] {
    return this.#slots.map((s) => ({
      index: s.index,
      kind: s.kind,
      present: s.present,
      powered: s.card !== undefined,
    }));
  }

  /**
   * Starts attaching: resolves after the first attempt (attached or not); later attempts run in
   * the background until close().
   */
  start(): Promise<void> {
    if (!this.#running) {
      let first!: () => void;
      const firstAttempt = new Promise<void>((r) => (first = r));
      this.#running = this.#run(first);
      return firstAttempt;
    }
    return Promise.resolve();
  }

  /** Opens a session on the card in `slot` (powering it if needed). */
  async connect(slot: number, options: ConnectOptions = {}): Promise<CardSession> {
    const share = options.share ?? 'shared';
    if (share !== 'shared' && share !== 'exclusive') {
      throw new BadRequestError(`share must be 'shared' or 'exclusive', got ${String(share)}`);
    }
    return this.#slot(slot).connect(share);
  }

  /** HELLO's data, re-read; DeviceInfo TLVs. Native profile only. */
  async deviceInfo(): Promise<DeviceInfo> {
    const reply = await vendorEscape(this.#nativeClient('device information'), {
      command: VendorCommand.DeviceInfo,
    });
    return reply.info;
  }

  /** Writes text on the reader's display at (row, column), in cells; a CJK character takes two. */
  async display(text: string, position: { row?: number; column?: number } = {}): Promise<void> {
    const client = this.#nativeClient('the display');
    if (!this.#capabilities?.display) throw new NotSupportedError('this reader has no display');
    await vendorEscape(client, {
      command: VendorCommand.DisplayText,
      row: position.row ?? 0,
      column: position.column ?? 0,
      text,
    });
  }

  async clearDisplay(): Promise<void> {
    const client = this.#nativeClient('the display');
    if (!this.#capabilities?.display) throw new NotSupportedError('this reader has no display');
    await vendorEscape(client, { command: VendorCommand.DisplayClear });
  }

  async beep(options: { frequencyHz?: number; durationMs?: number } = {}): Promise<void> {
    const client = this.#nativeClient('the beeper');
    if (!this.#capabilities?.beeper) throw new NotSupportedError('this reader has no beeper');
    await vendorEscape(client, {
      command: VendorCommand.Beep,
      frequencyHz: options.frequencyHz ?? 2700,
      durationMs: options.durationMs ?? 100,
    });
  }

  /**
   * PC_to_RDR_Escape with `abData` on slot 0, in either profile; resolves with RDR_to_PC_Escape's
   * abData whatever vendor status it holds, for tools that read the status themselves (the
   * firmware tools: Busy and the update states are data to them). The timeout runs on the
   * reader's clock; a failed CCID answer, a lost link and the signal give typed errors.
   */
  async escapeRaw(
    abData: Uint8Array,
    options: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<Uint8Array> {
    const c = this.#attachedConnection();
    return escapeData(c.client, abData, { ...options, what: 'escape' });
  }

  /**
   * Resolves when the reader is attached: at once if it is, else at its next `attached`.
   * Rejects with SessionClosedError when it is (or gets) closed, ReaderTimeoutError after
   * `timeoutMs` on the reader's clock (naming why the last attempt failed), CancelledError on
   * the signal.
   */
  whenAttached(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    if (this.#state === 'closed') return Promise.reject(this.#closedError());
    if (this.#state === 'attached') return Promise.resolve();
    const { signal, timeoutMs } = options;
    if (signal?.aborted) {
      return Promise.reject(
        new CancelledError(`${this.path}: cancelled while waiting to attach`, {
          reader: this.path,
        }),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        this.off('attached', onAttached);
        this.#closeWaiters.delete(onClosed);
        if (timer !== undefined) this.#clock.clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAttached = (): void => {
        done();
        resolve();
      };
      const onClosed = (): void => {
        done();
        reject(this.#closedError());
      };
      const onAbort = (): void => {
        done();
        reject(
          new CancelledError(`${this.path}: cancelled while waiting to attach`, {
            reader: this.path,
          }),
        );
      };
      const timer =
        timeoutMs === undefined
          ? undefined
          : this.#clock.setTimeout(() => {
              done();
              const why = this.#lastError ? ` (${this.#lastError.message})` : '';
              reject(
                new ReaderTimeoutError(`${this.path}: not attached within ${timeoutMs} ms${why}`, {
                  reader: this.path,
                  cause: this.#lastError,
                }),
              );
            }, timeoutMs);
      this.on('attached', onAttached);
      this.#closeWaiters.add(onClosed);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Drops the link and attaches again, negotiating the profile anew; resolves once attached
   * (as whenAttached). For a reader told to restart (the Reboot escape): it comes back in the
   * compat profile, maybe after a while in its boot stage, and says nothing by itself. Emits
   * `detached` and `attached` as a lost link does.
   */
  async reconnect(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    if (this.#state === 'closed') throw this.#closedError();
    const c = this.#connection;
    if (c && this.#state === 'attached') {
      this.#detach(
        new ReaderDetachedError(`${this.path}: reconnecting (the reader restarts)`, {
          reader: this.path,
        }),
      );
      await c.close();
      this.#endWait?.();
    }
    return this.whenAttached(options);
  }

  /** Closes the reader for good: sessions fail with session-closed, reconnection stops. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    const wasAttached = this.#state === 'attached';
    this.#state = 'closed';
    this.#wake?.abort();
    this.#stopPolling();
    const error = this.#closedError();
    for (const s of this.#slots) s.detach(error);
    for (const w of [...this.#closeWaiters]) w();
    const c = this.#connection;
    this.#connection = undefined;
    await c?.close();
    this.#endWait?.();
    await this.#running?.catch(() => {});
    if (wasAttached) this.emit('detached', this, error);
  }

  // ---------------------------------------------------------------------------------------------

  async #run(firstAttemptDone: () => void): Promise<void> {
    for (let attempt = 0; !this.#isClosed();) {
      const lost = await this.#attach();
      firstAttemptDone();
      if (this.#isClosed()) return;
      if (lost) {
        await lost.promise; // resolves when the link is lost
        attempt = 0;
        if (this.#isClosed()) return;
      }
      this.#wake = new AbortController();
      try {
        await sleep(this.#clock, backoffDelay(this.#backoff, attempt++), this.#wake.signal);
      } catch {
        return; // closed
      }
    }
  }

  /** One attempt. When attached, resolves with a promise of the link's loss; else undefined. */
  async #attach(): Promise<{ promise: Promise<void> } | undefined> {
    let onLost!: () => void;
    const lostPromise = new Promise<void>((r) => (onLost = r));
    this.#endWait = onLost;
    let connection: ReaderConnection;
    try {
      connection = await ReaderConnection.open(this.transport, {
        clock: this.#clock,
        trace: this.#trace,
        profile: this.#profile,
        spokeNative: this.#capabilities?.profile === 'native',
        events: {
          slotChange: (m) => this.#slotChange(m),
          lost: (e) => {
            if (this.#connection === connection) this.#detach(e);
            onLost();
          },
          warning: (t) => this.emit('warning', t),
        },
      });
    } catch (e) {
      this.#lastError =
        e instanceof ReaderError
          ? e
          : new ReaderDetachedError(
              isTransportError(e) ? e.message : `${this.path}: ${String(e)}`,
              {
                reader: this.path,
                cause: e,
              },
            );
      return undefined;
    }
    if (this.#isClosed()) {
      await connection.close();
      return undefined;
    }
    this.#connection = connection;
    this.#capabilities = connection.capabilities;
    const level = connection.capabilities.apduLevel ? 'apdu' : 'tpdu';
    const host = {
      path: this.path,
      get client() {
        return connection.client;
      },
      level,
      timeExtensionIntervalMs: connection.capabilities.timeExtensionIntervalMs,
      exchangeLimitMs: connection.capabilities.exchangeLimitMs,
      powerSelect: this.#powerSelect,
      cardInserted: (slot: number) => this.#cardEvent('card-inserted', slot),
      cardRemoved: (slot: number) => this.#cardEvent('card-removed', slot),
    } as const;
    this.#slots = connection.capabilities.slots.map((d) => new Slot(d, host));
    this.#state = 'attached';
    this.#lastError = undefined;
    this.emit('attached', this);
    // Cards already in place are reported as inserted, as a reader found with a card is.
    await this.#pollSlots().catch(() => {});
    this.#schedulePoll();
    return { promise: lostPromise };
  }

  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  #detach(error: ReaderError): void {
    if (this.#state !== 'attached') return;
    this.#state = 'detached';
    this.#lastError = error;
    this.#stopPolling();
    this.#connection = undefined;
    const slots = this.#slots;
    for (const s of slots) s.detach(error);
    this.emit('detached', this, error);
    // Cards of a detached reader count as removed for whoever tracks them.
    for (const s of slots) if (s.present) this.#cardEvent('card-removed', s.index, s.kind);
  }

  #slotChange(m: NotifySlotChange): void {
    this.#slots.forEach((slot, i) => {
      const bits = m.slots[i];
      if (bits) slot.presence(bits.present, bits.changed);
    });
  }

  async #pollSlots(): Promise<void> {
    const c = this.#connection;
    if (!c) return;
    for (const slot of this.#slots) {
      const m = await c.client.command({ type: PcToRdr.GetSlotStatus, slot: slot.index });
      if (m.type === RdrToPc.SlotStatus && this.#connection === c) {
        slot.iccStatus(m.iccStatus as IccStatus);
      }
    }
  }

  #schedulePoll(): void {
    const ms = this.#capabilities?.pushedCardEvents ? this.#keepAliveMs : this.#pollMs;
    if (!(ms > 0)) return;
    this.#pollTimer = this.#clock.setTimeout(() => {
      this.#pollTimer = undefined;
      if (this.#state !== 'attached' || this.#polling) return;
      this.#polling = true;
      this.#pollSlots()
        .catch(() => {})
        .finally(() => {
          this.#polling = false;
          if (this.#state === 'attached') this.#schedulePoll();
        });
    }, ms);
  }

  #stopPolling(): void {
    if (this.#pollTimer !== undefined) this.#clock.clearTimeout(this.#pollTimer);
    this.#pollTimer = undefined;
  }

  #cardEvent(name: 'card-inserted' | 'card-removed', slot: number, kind?: 'user' | 'sam'): void {
    this.emit(name, { reader: this, slot, kind: kind ?? this.#slots[slot]?.kind ?? 'user' });
  }

  #closedError(): SessionClosedError {
    return new SessionClosedError(`${this.path}: the reader was closed`, { reader: this.path });
  }

  #attachedConnection(): ReaderConnection {
    const c = this.#connection;
    if (this.#state === 'closed') throw this.#closedError();
    if (!c || this.#state !== 'attached') {
      throw (
        this.#lastError ??
        new ReaderDetachedError(`${this.path}: not attached`, { reader: this.path })
      );
    }
    return c;
  }

  #slot(index: number): Slot {
    if (this.#state !== 'attached') {
      throw this.#state === 'closed'
        ? this.#closedError()
        : (this.#lastError ??
            new ReaderDetachedError(`${this.path}: the reader is not attached`, {
              reader: this.path,
            }));
    }
    const slot = this.#slots[index];
    if (!Number.isInteger(index) || !slot) {
      throw new BadRequestError(
        `${this.path} has no slot ${index} (it has ${this.#slots.length})`,
        {
          reader: this.path,
        },
      );
    }
    return slot;
  }

  #nativeClient(what: string) {
    const c = this.#connection;
    if (!c || this.#state !== 'attached') {
      throw (
        this.#lastError ??
        new ReaderDetachedError(`${this.path}: not attached`, { reader: this.path })
      );
    }
    if (c.capabilities.profile !== 'native') {
      throw new NotSupportedInCompatError(`${what} needs the native profile`, {
        reader: this.path,
      });
    }
    return c.client;
  }
}

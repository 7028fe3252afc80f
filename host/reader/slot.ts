// One slot of an attached reader: whether a card is in it, the powered card shared by the
// sessions connected to it, and the lock that serialises their APDUs (slot-lock.ts). Sharing
// follows PC/SC and the Web Smart Card API: any number of 'shared' sessions, or one 'exclusive'.
import { CcidError, IccStatus, type PowerSelect } from '../../protocol/ccid-constants.ts';
import type { CcidClient } from '../ccid/ccid-client.ts';
import { CONTROL_TIMEOUT_MS } from '../ccid/card-timeouts.ts';
import { EXCHANGE_LIMIT_DEFAULT_S } from '../../protocol/native-constants.ts';
import type { SecurePayload } from '../../protocol/pin-structures.ts';
import { ccidSecureChannel } from '../pin/ccid-secure-channel.ts';
import type { SecureOptions } from '../pin/secure-channel.ts';
import {
  BusyError,
  CardMuteError,
  CardRemovedError,
  CommandFailedError,
  NoCardError,
  NotSupportedInCompatError,
  ReaderError,
  ReaderTimeoutError,
  type ReaderErrorDetails,
} from '../ccid/errors.ts';
import { powerOff, powerOn, type PoweredCard } from './card-power.ts';
import { exchangeApdu } from './card-exchange.ts';
import { CardSession, type ShareMode } from './card-session.ts';
import type { SlotDescription } from './capabilities.ts';
import { SlotLock } from './slot-lock.ts';

export interface SlotHost {
  readonly path: string;
  readonly client: CcidClient;
  readonly level: 'apdu' | 'tpdu';
  /** The reader's time-extension cadence, when known (native). */
  readonly timeExtensionIntervalMs: number | undefined;
  /** The reader's whole-exchange limit, when known (native, ConfigTag.ExchangeLimit). */
  readonly exchangeLimitMs: number | undefined;
  /** bPowerSelect for a slot's IccPowerOn (ReaderOptions.powerSelect). */
  powerSelect(slot: number): PowerSelect;
  cardInserted(slot: number): void;
  cardRemoved(slot: number): void;
}

/**
 * A reader that sends a time extension every `interval` ms while the card works is lost when it
 * stays silent for a few of them: no need to wait out libccid's whole-exchange bound (232 s for
 * a default T=0 card) when an answer went missing on the line.
 */
export function exchangeTimeout(libccidMs: number, intervalMs: number | undefined): number {
  if (intervalMs === undefined || !(intervalMs > 0)) return libccidMs;
  return Math.min(libccidMs, 2 * intervalMs + CONTROL_TIMEOUT_MS);
}

/**
 * The longest one XfrBlock may take, time extensions notwithstanding: the reader's whole-exchange
 * limit (PROTOCOL.md §5; EXCHANGE_LIMIT_DEFAULT_S when it does not say, as for a stock reader in
 * compat) plus CONTROL_TIMEOUT_MS for its ICC_MUTE answer to arrive. Past it: ReaderTimeoutError,
 * and PC_to_RDR_Abort to the slot.
 */
export function maxExchangeTime(readerLimitMs: number | undefined): number {
  const limit =
    readerLimitMs !== undefined && readerLimitMs > 0
      ? readerLimitMs
      : EXCHANGE_LIMIT_DEFAULT_S * 1000;
  return limit + CONTROL_TIMEOUT_MS;
}

/** bErrors of a card exchange that broke off mid-way (CCID rev 1.1 §6.2.6). */
const BROKEN_OFF = new Set<number>([
  CcidError.IccMute,
  CcidError.XfrParityError,
  CcidError.XfrOverrun,
  CcidError.ProcedureByteConflict,
]);

/**
 * Whether a failed exchange may have left the card mid-command: the reader reported a
 * transmission error or silence, or it did not answer in time (the driver aborted it).
 */
export function leavesCardOutOfStep(e: unknown): boolean {
  if (e instanceof ReaderTimeoutError) return true;
  if (!(e instanceof CardMuteError || e instanceof CommandFailedError)) return false;
  return e.bError !== undefined && BROKEN_OFF.has(e.bError);
}

export class Slot {
  readonly index: number;
  readonly kind: 'user' | 'sam';
  readonly lock = new SlotLock();
  readonly #host: SlotHost;
  readonly #sessions = new Set<CardSession>();
  #present: boolean | undefined;
  #card: PoweredCard | undefined;
  #powering: Promise<PoweredCard> | undefined;
  /** Counts insertions; a session belongs to one. */
  #generation = 0;
  #dead: ReaderError | undefined;

  constructor(description: SlotDescription, host: SlotHost) {
    this.index = description.index;
    this.kind = description.kind;
    this.#host = host;
  }

  get present(): boolean {
    return this.#present === true;
  }

  get card(): PoweredCard | undefined {
    return this.#card;
  }

  get generation(): number {
    return this.#generation;
  }

  get details(): ReaderErrorDetails {
    return { reader: this.#host.path, slot: this.index };
  }

  /** The reader told us the slot's state: a pushed `50 xx`, or bmICCStatus in an answer. */
  presence(present: boolean, changed = false): void {
    if (this.#dead) return;
    if (this.#present === true && (!present || changed)) this.#removed();
    if (present && this.#present !== true) {
      this.#present = true;
      this.#generation++;
      this.#host.cardInserted(this.index);
    } else if (!present) {
      this.#present = false;
    }
  }

  /** bmICCStatus seen in an answer. */
  iccStatus(icc: IccStatus): void {
    if (icc === IccStatus.NoIcc) this.presence(false);
    else {
      if (icc === IccStatus.PresentInactive) this.#card = undefined;
      this.presence(true);
    }
  }

  async connect(share: ShareMode): Promise<CardSession> {
    if (this.#dead) throw this.#dead;
    if (this.#present !== true) {
      throw new NoCardError(`no card in slot ${this.index}`, this.details);
    }
    for (const s of this.#sessions) {
      if (share === 'exclusive' || s.share === 'exclusive') {
        throw new BusyError(
          `slot ${this.index} is held by ${s.share === 'exclusive' ? 'an exclusive' : 'a shared'} session`,
          this.details,
        );
      }
    }
    const generation = this.#generation;
    const card = await this.#ensurePowered();
    if (generation !== this.#generation) {
      throw new CardRemovedError(`slot ${this.index}: the card was replaced`, this.details);
    }
    const session = new CardSession(this, share, card, generation);
    // Sharing is checked again: another connect may have finished while we powered the card.
    for (const s of this.#sessions) {
      if (share === 'exclusive' || s.share === 'exclusive') {
        throw new BusyError(`slot ${this.index} was taken while the card powered up`, this.details);
      }
    }
    this.#sessions.add(session);
    return session;
  }

  /** The error a session of `generation` gets now, or undefined if it may go on. */
  staleness(generation: number): ReaderError | undefined {
    if (this.#dead) return this.#dead;
    if (generation !== this.#generation || this.#present !== true) {
      return new CardRemovedError(`slot ${this.index}: the card was removed`, this.details);
    }
    return undefined;
  }

  /**
   * One APDU; the caller holds the lock. At TPDU level the host runs T=0, so the host decides
   * what an exchange that broke off means: the card may be mid-command (a character it missed,
   * an answer still to come) and would take the next command's header for the rest of this one.
   * Such a card is powered off, the error goes to the caller, and the next APDU powers it again
   * from its ATR — as our reader does itself at APDU level (firmware/src/iso/README.md).
   */
  async exchange(apdu: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    const card = this.#card ?? (await this.#ensurePowered());
    try {
      return await this.#exchange(card, apdu, signal);
    } catch (e) {
      if (this.#host.level === 'tpdu' && this.#card === card && leavesCardOutOfStep(e)) {
        this.#card = undefined;
        // Best effort: if the reader does not answer this either, the error above still stands.
        await powerOff(this.#host.client, this.index).catch(() => undefined);
      }
      throw e;
    }
  }

  #exchange(card: PoweredCard, apdu: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    return exchangeApdu(
      {
        client: this.#host.client,
        slot: this.index,
        card,
        timeoutMs: exchangeTimeout(card.exchangeTimeoutMs, this.#host.timeExtensionIntervalMs),
        maxTimeMs: maxExchangeTime(this.#host.exchangeLimitMs),
        level: this.#host.level,
        details: this.details,
        signal,
        onCardState: (icc) => this.iccStatus(icc),
      },
      apdu,
    );
  }

  /**
   * PC_to_RDR_Secure (PIN entry on the reader's keypad, host/pin); the caller holds the lock.
   * APDU level only: a TPDU-level reader would need the host's T=1 prologue (bTeoPrologue).
   */
  async secure(payload: SecurePayload, options: SecureOptions): Promise<Uint8Array> {
    if (this.#host.level !== 'apdu') {
      throw new NotSupportedInCompatError(
        'PIN entry on the keypad needs the native profile (APDU level)',
        this.details,
      );
    }
    if (!this.#card) await this.#ensurePowered();
    return ccidSecureChannel(this.#host.client, this.index).secure(payload, options);
  }

  /** A session ends; 'unpower' and 'reset' power the card off when it was the last one. */
  async release(session: CardSession, disposition: 'leave' | 'reset' | 'unpower'): Promise<void> {
    this.#sessions.delete(session);
    if (disposition === 'leave' || this.#sessions.size > 0 || !this.#card || this.#dead) return;
    this.#card = undefined;
    await powerOff(this.#host.client, this.index);
  }

  /** The reader went away: every session and waiter fails with `error`. */
  detach(error: ReaderError): void {
    this.#dead = error;
    this.#card = undefined;
    this.lock.failWaiters(error);
    this.#sessions.clear();
  }

  #removed(): void {
    this.#present = false;
    this.#card = undefined;
    this.#powering = undefined;
    this.#generation++;
    this.lock.failWaiters(
      new CardRemovedError(`slot ${this.index}: the card was removed`, this.details),
    );
    this.#sessions.clear();
    this.#host.cardRemoved(this.index);
  }

  #ensurePowered(): Promise<PoweredCard> {
    if (this.#card) return Promise.resolve(this.#card);
    if (!this.#powering) {
      const generation = this.#generation;
      const p = powerOn(
        this.#host.client,
        this.index,
        this.#host.level,
        this.details,
        this.#host.powerSelect(this.index),
      ).then(
        (card) => {
          if (generation === this.#generation && this.#powering === p) this.#card = card;
          return card;
        },
        (e: unknown) => {
          if (e instanceof NoCardError) this.presence(false);
          throw e;
        },
      );
      const clear = () => {
        if (this.#powering === p) this.#powering = undefined;
      };
      p.then(clear, clear);
      this.#powering = p;
    }
    return this.#powering;
  }
}

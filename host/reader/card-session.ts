// A connection to the card in one slot: `reader.connect(slot, { share })`. It implements the card
// applications' CardChannel (host/cards/channel.ts): transmit one APDU, or hold the card across
// several with transaction(fn), released when fn's promise settles (the Web Smart Card API's
// transaction scope). A session belongs to one inserted card: once that card is pulled it fails
// with CardRemovedError, and a new card needs a new session.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Atr } from '../../protocol/atr.ts';
import type { SecurePayload } from '../../protocol/pin-structures.ts';
import type { CardChannel } from '../cards/channel.ts';
import type { SecureChannel, SecureOptions } from '../pin/secure-channel.ts';
import { SessionClosedError } from '../ccid/errors.ts';
import type { PoweredCard } from './card-power.ts';
import type { Slot } from './slot.ts';

export type ShareMode = 'shared' | 'exclusive';

/**
 * The sessions whose transaction the current asynchronous call chain runs inside. A transaction
 * is scoped to its callback's chain, not to the session object: an unrelated call on the same
 * session, started elsewhere meanwhile, waits its turn like any other.
 */
const transactionScope = new AsyncLocalStorage<ReadonlySet<CardSession>>();

export interface TransmitOptions {
  /** Cancels the APDU (PC_to_RDR_Abort) or the wait for the card. */
  signal?: AbortSignal;
}

export class CardSession implements CardChannel, SecureChannel {
  readonly share: ShareMode;
  readonly #slot: Slot;
  readonly #card: PoweredCard;
  readonly #generation: number;
  #closed = false;

  constructor(slot: Slot, share: ShareMode, card: PoweredCard, generation: number) {
    this.#slot = slot;
    this.share = share;
    this.#card = card;
    this.#generation = generation;
  }

  get slot(): number {
    return this.#slot.index;
  }

  /** The card's Answer-to-Reset, as received. */
  get atr(): Uint8Array {
    return this.#card.atr;
  }

  /** The ATR decoded (protocol/atr.ts). */
  get atrInfo(): Atr {
    return this.#card.atrInfo;
  }

  /** The transmission protocol in use: 0 (T=0) or 1 (T=1). */
  get protocol(): number {
    return this.#card.protocol;
  }

  get connected(): boolean {
    return !this.#closed && this.#slot.staleness(this.#generation) === undefined;
  }

  /** Sends one command APDU; resolves with response data ‖ SW1 SW2. */
  async transmit(apdu: Uint8Array, options: TransmitOptions = {}): Promise<Uint8Array> {
    this.#check();
    if (this.#inScope()) return this.#slot.exchange(apdu, options.signal);
    const release = await this.#slot.lock.acquire(options.signal);
    try {
      this.#check();
      return await this.#slot.exchange(apdu, options.signal);
    } finally {
      release();
    }
  }

  /**
   * PIN entry on the reader's keypad (host/pin's SecureChannel): PC_to_RDR_Secure with a PIN
   * template — never a PIN — resolving with the card's answer; `onProgress` gets the count of
   * digits typed. Native profile only (NotSupportedInCompatError otherwise).
   */
  async secure(payload: SecurePayload, options: SecureOptions = {}): Promise<Uint8Array> {
    this.#check();
    if (this.#inScope()) return this.#slot.secure(payload, options);
    const release = await this.#slot.lock.acquire(options.signal);
    try {
      this.#check();
      return await this.#slot.secure(payload, options);
    } finally {
      release();
    }
  }

  /**
   * Holds the card for this session while `fn` runs: every APDU from outside `fn` — other
   * sessions', and this session's own from other call chains — waits until `fn` settles. A
   * transaction nested inside `fn` simply runs inside it.
   */
  async transaction<T>(fn: () => Promise<T>, options: TransmitOptions = {}): Promise<T> {
    this.#check();
    if (this.#inScope()) return fn();
    const release = await this.#slot.lock.acquire(options.signal);
    try {
      this.#check();
      const outer = transactionScope.getStore() ?? new Set<CardSession>();
      return await transactionScope.run(new Set([...outer, this]), fn);
    } finally {
      release();
    }
  }

  #inScope(): boolean {
    return transactionScope.getStore()?.has(this) === true;
  }

  /**
   * Ends the session. 'leave' (default) keeps the card powered for the next session; 'unpower'
   * and 'reset' power it off when no other session uses it.
   */
  async disconnect(disposition: 'leave' | 'reset' | 'unpower' = 'leave'): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#slot.release(this, disposition);
  }

  #check(): void {
    if (this.#closed) {
      throw new SessionClosedError(
        `the session on slot ${this.slot} is disconnected`,
        this.#slot.details,
      );
    }
    const stale = this.#slot.staleness(this.#generation);
    if (stale) throw stale;
  }
}

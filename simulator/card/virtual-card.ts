// A contact card as the card line sees it: the card side of ISO 7816-3 (activation and ATR, PPS,
// then T=0 or T=1) in front of an ISO 7816-4 card operating system. The model is SIMtrace2's
// card_emu.c (states WAIT_POWER … WAIT_RST, IN_ATR, IN_PTS, IN_TPDU), one handler per concern:
//   clock-countdown.ts  ATR after atrDelayClocks card clocks
//   pps.ts              PPS answer
//   t0-card.ts          T=0 (procedure bytes, NULL, 61xx / 6Cxx)
//   t1-card.ts          T=1 (blocks, chaining, IFS, WTX, error recovery)
// Reader bytes never throw: they are answered, or ignored, as a card would.

import {
  DEFAULT_BWI,
  DEFAULT_CWI,
  DEFAULT_D,
  DEFAULT_F,
  DEFAULT_IFSC,
} from '../../protocol/iso7816-tables.ts';
import type { CardLink, CardProtocolHandler } from './card-link.ts';
import { CardTimers } from './card-timers.ts';
import { etuNs, t0TurnaroundNs } from './card-timing.ts';
import { ClockCountdown } from './clock-countdown.ts';
import type {
  ApduProcessor,
  CardContacts,
  CardLinePort,
  CardTransportProfile,
  CardUartSetting,
  VoltageClassCode,
} from './contract.ts';
import { PPSS, PpsRequestReader, answerPps, type PpsOffer } from './pps.ts';
import { T0Card } from './t0-card.ts';
import { T1Card, type T1CardParameters } from './t1-card.ts';
import { checkTransportProfile, type CheckedTransport } from './transport-profile.ts';

/** Where the card is, for traces and tests. */
export type VirtualCardState =
  /** Not in a slot. */
  | 'detached'
  /** In a slot, VCC off. */
  | 'unpowered'
  /** VCC at a class the card does not support: it never answers (until VCC changes). */
  | 'mute'
  /** Powered, RST low. */
  | 'in-reset'
  /** RST high, counting clocks until the ATR. */
  | 'waiting-atr'
  /** ATR sent in negotiable mode: the next byte is a PPS request or the first command. */
  | 'negotiable'
  /** Receiving a PPS request. */
  | 'pps'
  /** Running T=0 or T=1. */
  | 'session'
  /**
   * PPS refused or answered wrongly (ISO 7816-3 §9.3), or a frame the line cannot carry: silent
   * until the next reset.
   */
  | 'silent';

export class VirtualCard implements CardContacts {
  readonly #transport: CheckedTransport;
  readonly #os: ApduProcessor;
  readonly #offer: PpsOffer;
  #port: CardLinePort | undefined;
  #timers: CardTimers | undefined;
  #state: VirtualCardState = 'detached';
  #vcc: VoltageClassCode = 0;
  #rstHigh = false;
  #clockHz = 0;
  /** The next reset is cold (the first since power-up) or warm. */
  #nextReset: 'cold' | 'warm' = 'cold';
  #lastReset: 'cold' | 'warm' | undefined;
  #countdown: ClockCountdown | undefined;
  #uart: CardUartSetting;
  #pps: PpsRequestReader | undefined;
  #handler: CardProtocolHandler | undefined;
  #protocol: number | undefined;

  /** Throws CardProfileError for a profile no real card could have. */
  constructor(transport: CardTransportProfile, os: ApduProcessor) {
    this.#transport = checkTransportProfile(transport);
    this.#os = os;
    const atr = this.#transport.atr;
    this.#offer = {
      protocols: atr.protocols,
      ta1: this.#transport.ta1Sent,
      specificMode: atr.specificMode !== undefined,
    };
    this.#uart = this.#initialUart();
  }

  get state(): VirtualCardState {
    return this.#state;
  }

  /** The kind of the last reset the card answered, undefined before the first. */
  get lastReset(): 'cold' | 'warm' | undefined {
    return this.#lastReset;
  }

  /** T=0 or T=1 once a session runs. */
  get protocol(): number | undefined {
    return this.#protocol;
  }

  /** The card's character frame now. */
  get uart(): Readonly<CardUartSetting> {
    return { ...this.#uart };
  }

  /** Events the card still has scheduled on the line (0 after a reset, power-off or pull). */
  get scheduledEvents(): number {
    return this.#timers?.pending ?? 0;
  }

  attach(port: CardLinePort): void {
    if (this.#port !== undefined) this.detach();
    this.#port = port;
    this.#timers = new CardTimers(port);
    this.#clockHz = port.clockHz();
    this.#vcc = 0;
    this.#rstHigh = false;
    this.#state = 'unpowered';
  }

  detach(): void {
    this.#stop();
    this.#port = undefined;
    this.#timers = undefined;
    this.#vcc = 0;
    this.#rstHigh = false;
    this.#state = 'detached';
  }

  vcc(voltage: VoltageClassCode): void {
    if (this.#port === undefined || voltage === this.#vcc) return;
    this.#stop();
    this.#vcc = voltage;
    this.#nextReset = 'cold';
    if (voltage === 0) this.#state = 'unpowered';
    else if (this.#transport.classes.has(voltage)) this.#state = 'in-reset';
    else this.#state = 'mute';
  }

  rst(high: boolean): void {
    if (this.#port === undefined || high === this.#rstHigh) return;
    this.#rstHigh = high;
    if (this.#state === 'detached' || this.#state === 'unpowered' || this.#state === 'mute') return;
    if (!high) {
      // ISO 7816-3 §6.2.3: RST low stops the card at once; the next rising edge is a warm reset.
      if (this.#state !== 'in-reset') this.#nextReset = 'warm';
      this.#stop();
      this.#state = 'in-reset';
      return;
    }
    this.#startAtr();
  }

  clock(hz: number): void {
    this.#clockHz = Number.isFinite(hz) && hz > 0 ? hz : 0;
    this.#countdown?.clockChanged(this.#clockHz);
  }

  receive(byte: number, parityError: boolean): void {
    const value = Number.isInteger(byte) ? byte & 0xff : 0;
    switch (this.#state) {
      case 'negotiable':
        this.#onFirstByte(value, parityError);
        return;
      case 'pps':
        this.#onPpsByte(value, parityError);
        return;
      case 'session':
        this.#handler?.receive(value, parityError);
        return;
      default:
        return;
    }
  }

  /** Cancels everything in flight: queued characters and scheduled events. */
  #stop(): void {
    this.#port?.flush();
    this.#timers?.cancelAll();
    this.#countdown = undefined;
    this.#pps = undefined;
    this.#handler = undefined;
    this.#protocol = undefined;
  }

  #startAtr(): void {
    const timers = this.#timers!;
    const port = this.#port!;
    this.#stop();
    this.#lastReset = this.#nextReset;
    this.#nextReset = 'warm';
    // ISO 7816-4 §5.1 / the COS contract: a reset loses security state and pending data.
    try {
      this.#os.reset();
    } catch {
      // A COS that throws on reset still gets commands; it answers them as it can.
    }
    this.#state = 'waiting-atr';
    this.#countdown = new ClockCountdown(
      timers,
      () => port.now(),
      this.#transport.profile.atrDelayClocks,
      this.#clockHz,
      () => this.#sendAtr(),
    );
  }

  #sendAtr(): void {
    const port = this.#port!;
    this.#countdown = undefined;
    // The ATR goes out at F = 372, D = 1 in the card's convention (§8.1); the line converts bits.
    if (!this.#setUart(this.#initialUart())) return;
    port.transmit(this.#transport.atr.bytes);
    const specific = this.#transport.atr.specificMode;
    if (specific !== undefined) {
      // §8.3 specific mode: TA2's protocol at TA1's Fi/Di (or implicit ones) at once, no PPS.
      const atr = this.#transport.atr;
      const useTa1 = !specific.implicitParameters && atr.fi > 0 && atr.di > 0;
      this.#startSession(
        specific.protocol,
        useTa1 ? atr.fi : DEFAULT_F,
        useTa1 ? atr.di : DEFAULT_D,
      );
      return;
    }
    // Negotiable mode: Fd/Dd in the default protocol's frame until a PPS says otherwise.
    if (!this.#setUart({ ...this.#initialUart(), t1: this.#transport.atr.defaultProtocol === 1 })) {
      return;
    }
    this.#state = 'negotiable';
  }

  #onFirstByte(byte: number, parityError: boolean): void {
    if (parityError && !this.#uart.t1) return; // the reader repeats it (§7.3)
    if (byte === PPSS && !parityError) {
      // §9.1: PPSS = FF (a T=1 NAD is never FF).
      this.#state = 'pps';
      this.#pps = new PpsRequestReader();
      this.#pps.push(byte, false);
      return;
    }
    this.#startSession(this.#transport.atr.defaultProtocol, DEFAULT_F, DEFAULT_D);
    if (this.#state === 'session') this.#handler?.receive(byte, parityError);
  }

  #onPpsByte(byte: number, parityError: boolean): void {
    const reader = this.#pps!;
    if (parityError && !this.#uart.t1) return;
    if (!reader.push(byte, parityError)) return;
    this.#pps = undefined;
    const answer = answerPps(
      reader.bytes,
      reader.corrupt,
      this.#offer,
      this.#transport.profile.pps,
    );
    switch (answer.kind) {
      case 'accept':
        // The echo still at the old rate; setUart applies to characters queued after it.
        this.#port!.transmit(answer.response, this.#turnaroundNs());
        this.#startSession(answer.protocol, answer.f, answer.d);
        return;
      case 'wrong':
        this.#port!.transmit(answer.response, this.#turnaroundNs());
        this.#state = 'silent';
        return;
      case 'silent':
        this.#state = 'silent';
        return;
    }
  }

  #startSession(protocol: number, f: number, d: number): void {
    if (!this.#setUart({ ...this.#uart, f, d, t1: protocol === 1 })) return;
    const link = this.#link();
    this.#protocol = protocol;
    this.#handler = protocol === 1 ? new T1Card(link, this.#t1Parameters()) : new T0Card(link);
    this.#state = 'session';
  }

  #t1Parameters(): T1CardParameters {
    const t1 = this.#transport.atr.t1;
    return {
      ifsc: t1?.ifsc ?? DEFAULT_IFSC,
      edc: t1?.edc ?? 'lrc',
      cwi: t1?.cwi ?? DEFAULT_CWI,
      bwi: t1?.bwi ?? DEFAULT_BWI,
    };
  }

  #link(): CardLink {
    const port = this.#port!;
    return {
      port,
      timers: this.#timers!,
      transport: this.#transport,
      os: this.#os,
      etuNs: () => etuNs(this.#uart.f, this.#uart.d, this.#clockHz || port.clockHz()),
    };
  }

  /** The PPS response keeps the 16-etu turnaround of §7.2 like any answer. */
  #turnaroundNs(): number {
    return t0TurnaroundNs(
      etuNs(this.#uart.f, this.#uart.d, this.#clockHz || this.#port!.clockHz()),
    );
  }

  #initialUart(): CardUartSetting {
    return {
      f: DEFAULT_F,
      d: DEFAULT_D,
      n: 0,
      inverse: this.#transport.atr.convention === 'inverse',
      t1: false,
    };
  }

  /**
   * False when the line cannot carry the frame (e.g. fewer clocks per etu than the reader's
   * hardware supports): the card then falls silent until the next reset instead of throwing out of
   * a line callback.
   */
  #setUart(setting: CardUartSetting): boolean {
    try {
      this.#port?.setUart({ ...setting });
    } catch {
      this.#handler = undefined;
      this.#protocol = undefined;
      this.#state = 'silent';
      return false;
    }
    this.#uart = { ...setting };
    return true;
  }
}

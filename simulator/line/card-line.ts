// One card slot's contacts between the reader's card UART and a card: VCC, RST, CLK and I/O.
// Towards the reader it is the card side of the HAL (firmware/HAL.md, card_*); towards the card
// it implements CardLinePort (simulator/card/contract.ts). Every character is sent as its bits on
// the I/O wire (io-wire.ts) and read back by the other side's receiver at its own etu, with
// ISO 7816-3 §7.3 error signal and character repetition in the T=0 frame.
import type { CardContacts, CardUartSetting, VoltageClassCode } from '../card/contract.ts';
import { RxStatus } from '../../firmware/hal.ts';
import type { VirtualClock } from '../engine/virtual-clock.ts';
import type { Prng } from '../engine/prng.ts';
import { LineError } from '../errors.ts';
import { decodeCharacter, encodeCharacter, CHARACTER_BITS } from './char-frame.ts';
import { IoWire, type WireDriver, type WireElement } from './io-wire.ts';
import {
  MAX_REPETITIONS,
  POWER_ON_SETTING,
  checkSetting,
  etuNs,
  guardEtu,
  turnaroundEtu,
} from './line-setting.ts';
import type { LineCounters, LineObserver, LineTraceSink } from './line-trace.ts';
import { LinePort } from './line-port.ts';
import { WaitingTimeCounter } from './waiting-time.ts';

/** What the line reports to the reader hardware (which turns it into firmware events). */
export interface CardLineListener {
  rx(byte: number, status: RxStatus): void;
  timeout(): void;
  presence(present: boolean): void;
}

export interface LineFaults {
  /** Probability that a character transmission (either direction) is corrupted on the wire. */
  parityErrorRate?: number;
  /** The card's characters never reach the wire. */
  mute?: boolean;
}

type TxItem =
  | { kind: 'char'; byte: number; attempt: number; notBefore: number }
  | { kind: 'uart'; setting: CardUartSetting };

/** One end of the line: a transmitter and a receiver sharing one character-frame setting. */
class Side {
  setting: CardUartSetting = { ...POWER_ON_SETTING };
  queue: TxItem[] = [];
  /** The character whose slot is in progress (from its leading edge to the error check). */
  current: { byte: number; attempt: number; element: WireElement } | undefined;
  startHandle: number | undefined;
  slotHandle: number | undefined;
  nextFree = 0;
  lastLeadingEdge = -Infinity;
  /**
   * The direction-change delay after the other side's last character, ns: the turnaround of the
   * frame this side received it in, in that frame's etu (a rate change after it does not
   * shorten it).
   */
  rxTurnaroundNs = 0;
  // receiver
  huntFrom = 0;
  frame: { start: number; etu: number; inverse: boolean; t1: boolean } | undefined;
  frameHandle: number | undefined;
  errorsInRow = 0;

  constructor(readonly driver: WireDriver) {}
}

export class CardLine {
  private readonly wire = new IoWire();
  private readonly reader = new Side('reader');
  private readonly cardSide = new Side('card');
  private readonly waiting: WaitingTimeCounter;
  private readonly faultRng: Prng;
  private readonly cardRng: Prng;
  private vccClass: VoltageClassCode = 0;
  private clockSetHz = 0;
  private rstHigh = false;
  private card: CardContacts | undefined;
  private port: LinePort | undefined;
  private faults: Required<LineFaults> = { parityErrorRate: 0, mute: false };
  private readonly observers = new Set<LineObserver>();
  /** What the line has carried so far (characters each way, repetitions, anomalies, …). */
  readonly counters: LineCounters = {
    readerCharacters: 0,
    cardCharacters: 0,
    repetitions: 0,
    anomalies: 0,
    waitingTimeExpiries: 0,
    activations: 0,
  };

  constructor(
    private readonly clock: VirtualClock,
    readonly slot: number,
    prng: Prng,
    private readonly listener: CardLineListener,
    private readonly trace?: LineTraceSink,
  ) {
    this.faultRng = prng.fork(`line${slot}.faults`);
    this.cardRng = prng.fork(`line${slot}.card`);
    this.waiting = new WaitingTimeCounter(
      clock,
      () => (this.clockSetHz > 0 ? etuNs(this.reader.setting, this.clockSetHz) : 0),
      () =>
        this.reader.queue.length > 0 ||
        this.reader.current !== undefined ||
        this.reader.startHandle !== undefined,
      () => {
        this.counters.waitingTimeExpiries++;
        this.event('waiting time expired');
        this.listener.timeout();
      },
    );
  }

  /**
   * Calls `observer` with what the trace gets (every character's leading edge, anomalies,
   * events), in order, until the returned function is called.
   */
  observe(observer: LineObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  /** The class on VCC (0 = off). */
  voltage(): VoltageClassCode {
    return this.vccClass;
  }

  /** The card clock as set, Hz (0 = stopped). */
  clockRateHz(): number {
    return this.clockSetHz;
  }

  setFaults(faults: LineFaults): void {
    this.faults = { ...this.faults, ...faults };
  }

  // ---- reader side (the HAL's card_* imports) ----

  /** card_power: 0 = deactivate (RST low, CLK stopped, I/O low, VCC off), else a class. */
  power(voltage: VoltageClassCode): void {
    if (voltage === this.vccClass) return;
    if (this.vccClass !== 0) this.deactivate();
    if (voltage === 0) return;
    this.vccClass = voltage;
    this.counters.activations++;
    this.rstHigh = false;
    this.event(`VCC on, class ${'-ABC'[voltage]}`);
    this.card?.vcc(voltage);
    if (this.clockSetHz > 0) this.card?.clock(this.clockSetHz);
    this.resumeAll();
  }

  /** card_clock in kHz (0 stops the clock). */
  clockKhz(khz: number): void {
    this.clockHz(khz * 1000);
  }

  /** The card clock in Hz: tests use it for frequencies that are not whole kHz (3.5712 MHz). */
  clockHz(hz: number): void {
    if (!Number.isFinite(hz) || hz < 0) throw new LineError(`clock must be >= 0 Hz, got ${hz}`);
    if (hz === this.clockSetHz) return;
    this.clockSetHz = hz;
    this.event(hz ? `CLK ${hz / 1000} kHz` : 'CLK stopped');
    if (this.vccClass !== 0) this.card?.clock(hz);
    this.waiting.rescale();
    this.resumeAll();
  }

  /** card_reset: drives RST. */
  reset(high: boolean): void {
    if (high === this.rstHigh) return;
    this.rstHigh = high;
    this.event(high ? 'RST high' : 'RST low', true);
    if (this.vccClass === 0) return;
    if (!high) {
      // A card held in reset stops talking at once.
      this.dropSide(this.cardSide);
      this.rescanAll();
    }
    this.card?.rst(high);
  }

  /** card_uart: takes effect after the characters already queued have been sent. */
  uart(setting: CardUartSetting): void {
    this.reader.queue.push({ kind: 'uart', setting: checkSetting(setting) });
    this.pump(this.reader);
  }

  /** card_send: queues characters for the card. */
  send(bytes: Uint8Array): void {
    const now = this.clock.now();
    for (const byte of bytes)
      this.reader.queue.push({ kind: 'char', byte, attempt: 0, notBefore: now });
    this.pump(this.reader);
  }

  /** card_wait: arms the waiting-time counter in etu (0 disarms). */
  wait(etu: number): void {
    this.waiting.arm(etu);
  }

  /** card_present: the presence switch (user slot) or socket detection (SAM slots). */
  present(): boolean {
    return this.card !== undefined;
  }

  /** The reader's current setting (for tests and the trace). */
  readerSetting(): Readonly<CardUartSetting> {
    return this.reader.setting;
  }

  // ---- the card in the slot ----

  insert(card: CardContacts): void {
    if (this.card) throw new LineError(`slot ${this.slot} already holds a card`);
    this.card = card;
    this.cardSide.setting = { ...POWER_ON_SETTING };
    this.port = new LinePort(this.clock, this.cardRng, {
      clockHz: () => this.cardClockHz(),
      setUart: (s) => this.cardSetUart(s),
      transmit: (bytes, delayNs) => this.cardTransmit(bytes, delayNs),
      flush: () => this.cardFlush(),
    });
    this.event('card inserted', true);
    card.attach(this.port);
    if (this.vccClass !== 0) {
      card.vcc(this.vccClass);
      if (this.clockSetHz > 0) card.clock(this.clockSetHz);
    }
    this.clock.schedule(0, () => this.listener.presence(true));
  }

  /** The card is pulled: it stops at once, whatever it was doing, mid-character or not. */
  pull(): void {
    const card = this.card;
    if (!card) throw new LineError(`slot ${this.slot} holds no card`);
    this.event('card pulled', true);
    this.dropSide(this.cardSide);
    this.card = undefined;
    this.port?.kill();
    this.port = undefined;
    card.detach();
    this.rescanAll();
    this.clock.schedule(0, () => this.listener.presence(false));
  }

  // ---- CardLinePort behind the card ----

  private cardClockHz(): number {
    return this.vccClass !== 0 ? this.clockSetHz : 0;
  }

  private cardSetUart(setting: CardUartSetting): void {
    this.cardSide.queue.push({ kind: 'uart', setting: checkSetting(setting) });
    this.pump(this.cardSide);
  }

  private cardTransmit(bytes: Uint8Array, delayNs: number): void {
    if (!Number.isFinite(delayNs) || delayNs < 0)
      throw new LineError(`transmit delay must be >= 0 ns, got ${delayNs}`);
    // A card without power, in reset, or muted by a fault puts nothing on the wire.
    if (this.vccClass === 0 || !this.rstHigh || this.faults.mute) return;
    const notBefore = this.clock.now() + delayNs;
    for (const byte of bytes) {
      if (!Number.isInteger(byte) || byte < 0 || byte > 255)
        throw new LineError(`card byte out of range: ${byte}`);
      this.cardSide.queue.push({ kind: 'char', byte, attempt: 0, notBefore });
    }
    this.pump(this.cardSide);
  }

  private cardFlush(): void {
    this.cardSide.queue = this.cardSide.queue.filter((item) => item.kind !== 'char');
  }

  // ---- transmitters ----

  private other(side: Side): Side {
    return side === this.reader ? this.cardSide : this.reader;
  }

  private pump(side: Side): void {
    if (side.current || side.startHandle !== undefined) return;
    while (side.queue[0]?.kind === 'uart') {
      const item = side.queue.shift() as { kind: 'uart'; setting: CardUartSetting };
      const same = sameSetting(side.setting, item.setting);
      side.setting = item.setting;
      if (side === this.reader && !same) {
        this.event(describeSetting(item.setting));
        this.waiting.rescale();
      }
    }
    const head = side.queue[0];
    if (!head || head.kind !== 'char') return;
    const hz = this.clockSetHz;
    if (hz <= 0) return; // held until the clock runs
    const start = Math.max(this.clock.now(), head.notBefore, side.nextFree, this.turnaround(side));
    side.startHandle = this.clock.scheduleAt(start, () => this.startCharacter(side));
  }

  /**
   * The earliest start after a change of direction: the turnaround (16 etu in T=0, BGT 22 etu
   * in T=1) from the last leading edge received. It counts in the frame that character was
   * received in as well as in this side's own: after a PPS the reader's first character at the
   * new rate still waits until the card's last one at the old rate is over (16 etu of the T=0
   * frame, its error-signal window included), not just 22 of the new etu.
   */
  private turnaround(side: Side): number {
    const other = this.other(side);
    if (other.lastLeadingEdge <= side.lastLeadingEdge) return -Infinity;
    const etu = etuNs(side.setting, this.clockSetHz);
    return other.lastLeadingEdge + Math.max(turnaroundEtu(side.setting) * etu, side.rxTurnaroundNs);
  }

  private startCharacter(side: Side): void {
    side.startHandle = undefined;
    const now = this.clock.now();
    // The other side started a character since this one was scheduled: its turnaround holds
    // (a UART that is receiving a character does not start one of its own).
    const turnaround = this.turnaround(side);
    if (turnaround > now + 1e-6) {
      side.startHandle = this.clock.scheduleAt(turnaround, () => this.startCharacter(side));
      return;
    }
    const item = side.queue.shift();
    if (!item || item.kind !== 'char') return;
    const etu = etuNs(side.setting, this.clockSetHz);
    const levels = encodeCharacter(item.byte, side.setting.inverse);
    const corrupted = this.faultRng.chance(this.faults.parityErrorRate);
    if (corrupted) levels[1 + this.faultRng.int(CHARACTER_BITS - 1)] ^= 1;
    this.wire.prune(this.oldestInterest());
    const element = this.wire.add(side.driver, now, etu, levels);
    element.byte = item.byte;
    side.current = { byte: item.byte, attempt: item.attempt, element };
    side.lastLeadingEdge = now;
    const receiver = this.other(side);
    receiver.rxTurnaroundNs =
      turnaroundEtu(receiver.setting) * etuNs(receiver.setting, this.clockSetHz);
    // A transmitting UART does not receive.
    this.abortFrame(side);
    side.huntFrom = Math.max(side.huntFrom, now + 11 * etu);
    this.waiting.restart();
    const info = { attempt: item.attempt, corrupted, t1: side.setting.t1 };
    if (item.attempt > 0) this.counters.repetitions++;
    else if (side === this.reader) this.counters.readerCharacters++;
    else this.counters.cardCharacters++;
    this.trace?.character(this.slot, now, side.driver, item.byte, info);
    for (const o of this.observers) o.character?.(this.slot, now, side.driver, item.byte, info);
    this.scan(this.other(side));
    if (side.setting.t1) {
      side.slotHandle = this.clock.schedule(guardEtu(side.setting) * etu, () =>
        this.endSlot(side, false),
      );
    } else {
      // ISO 7816-3 §7.3: the transmitter checks I/O for an error signal at 11 etu.
      side.slotHandle = this.clock.schedule(11 * etu, () => this.endSlot(side, true));
    }
  }

  private endSlot(side: Side, checkError: boolean): void {
    side.slotHandle = undefined;
    const cur = side.current;
    if (!cur) return;
    side.current = undefined;
    const start = cur.element.start;
    const etu = cur.element.slotNs;
    side.nextFree = start + guardEtu(side.setting) * etu;
    if (checkError && this.wire.levelAt(this.clock.now()) === 0 && cur.attempt < MAX_REPETITIONS) {
      // Repeat the disputed character at least 2 etu after detecting the error signal.
      side.queue.unshift({
        kind: 'char',
        byte: cur.byte,
        attempt: cur.attempt + 1,
        notBefore: start + 13 * etu,
      });
      side.nextFree = Math.max(side.nextFree, start + 13 * etu);
    }
    this.pump(side);
    this.scan(side);
    if (side === this.reader) this.waiting.senderIdle();
  }

  // ---- receivers ----

  private receiving(side: Side): boolean {
    if (this.vccClass === 0) return false;
    return side === this.reader || (this.card !== undefined && this.rstHigh);
  }

  private abortFrame(side: Side): void {
    if (side.frameHandle !== undefined) this.clock.cancel(side.frameHandle);
    side.frameHandle = undefined;
    side.frame = undefined;
  }

  private rescanAll(): void {
    this.scan(this.reader);
    this.scan(this.cardSide);
  }

  /** Looks for the next start bit on the wire for this side's receiver. */
  private scan(side: Side): void {
    if (side.frameHandle !== undefined) {
      if (side.frame && side.frame.start <= this.clock.now()) return; // frame in progress
      this.abortFrame(side); // an edge not reached yet: a new element may come first
    }
    if (side.current || !this.receiving(side) || this.clockSetHz <= 0) return;
    const start = this.wire.nextFallingEdge(side.huntFrom);
    if (start === undefined) return;
    const etu = etuNs(side.setting, this.clockSetHz);
    side.frame = { start, etu, inverse: side.setting.inverse, t1: side.setting.t1 };
    const at = Math.max(this.clock.now(), start + CHARACTER_BITS * etu);
    side.frameHandle = this.clock.scheduleAt(at, () => this.decodeFrame(side));
  }

  private decodeFrame(side: Side): void {
    side.frameHandle = undefined;
    const frame = side.frame;
    side.frame = undefined;
    if (!frame) return;
    const { start, etu } = frame;
    const samples = new Uint8Array(CHARACTER_BITS);
    for (let k = 0; k < CHARACTER_BITS; k++)
      samples[k] = this.wire.levelAt(start + (k + 0.5) * etu);
    if (samples[0] !== 0) {
      // A glitch shorter than half an etu is not a start bit.
      side.huntFrom = start + 0.5 * etu;
      this.scan(side);
      return;
    }
    const { byte, parityOk } = decodeCharacter(samples, frame.inverse);
    const sent = this.elementStartingAt(start, this.other(side).driver);
    const now = this.clock.now();
    if (sent?.byte !== byte || !parityOk) {
      const what = parityOk ? 'garbled' : 'parity error';
      this.counters.anomalies++;
      this.trace?.anomaly(this.slot, now, side.driver, byte, what);
      for (const o of this.observers) o.anomaly?.(this.slot, now, side.driver, byte, what);
    }
    // In the T=0 frame a receiver signals a parity error (§7.3); in T=1 it does not.
    const signal = !parityOk && !frame.t1;
    if (side === this.reader) {
      if (parityOk) {
        side.errorsInRow = 0;
        this.listener.rx(byte, RxStatus.Ok);
      } else if (frame.t1) {
        this.listener.rx(byte, RxStatus.ParityError);
      } else if (side.errorsInRow < MAX_REPETITIONS) {
        side.errorsInRow++;
      } else {
        side.errorsInRow = 0;
        this.listener.rx(byte, RxStatus.ParityError);
      }
    } else {
      this.card?.receive(byte, !parityOk);
    }
    if (signal) {
      // Error signal: low from 10.5 etu for 1 etu (1 to 2 etu allowed), so that the line is
      // high again before a character that follows at 12 etu.
      this.wire.add(side.driver, start + 10.5 * etu, etu, new Uint8Array([0]));
      side.huntFrom = start + 11.5 * etu;
      this.scan(this.other(side));
    } else {
      side.huntFrom = start + CHARACTER_BITS * etu;
    }
    this.wire.prune(this.oldestInterest());
    this.scan(side);
  }

  private elementStartingAt(time: number, driver: WireDriver): WireElement | undefined {
    return this.wire.find((e) => e.driver === driver && Math.abs(e.start - time) < 1e-6);
  }

  /** Nobody samples the wire before this time again. */
  private oldestInterest(): number {
    let t = this.clock.now();
    for (const side of [this.reader, this.cardSide]) {
      if (side.current) t = Math.min(t, side.current.element.start);
      if (this.receiving(side)) t = Math.min(t, side.frame?.start ?? side.huntFrom);
    }
    return t;
  }

  // ---- power-off and pulls ----

  private dropSide(side: Side): void {
    const now = this.clock.now();
    side.queue = side.queue.filter((item) => item.kind === 'uart');
    if (side.startHandle !== undefined) this.clock.cancel(side.startHandle);
    if (side.slotHandle !== undefined) this.clock.cancel(side.slotHandle);
    side.startHandle = undefined;
    side.slotHandle = undefined;
    side.current = undefined;
    this.abortFrame(side);
    side.errorsInRow = 0;
    this.wire.cutAll(now, side.driver);
    side.huntFrom = now;
  }

  private deactivate(): void {
    // ISO 7816-3 §6.4: RST low, CLK stopped, I/O low, VCC off; queued characters are discarded.
    this.event('deactivation', true);
    this.dropSide(this.reader);
    this.dropSide(this.cardSide);
    this.wire.clear();
    const card = this.card;
    const wasHigh = this.rstHigh;
    this.rstHigh = false;
    this.vccClass = 0;
    if (card) {
      if (wasHigh) card.rst(false);
      card.clock(0);
      card.vcc(0);
    }
    // Nothing is queued any more: a waiting time that ran out meanwhile fires.
    this.waiting.senderIdle();
  }

  private resumeAll(): void {
    this.pump(this.reader);
    this.pump(this.cardSide);
    this.rescanAll();
  }

  private event(what: string, restart = false): void {
    const now = this.clock.now();
    this.trace?.event(this.slot, now, what, restart);
    for (const o of this.observers) o.event?.(this.slot, now, what, restart);
  }
}

function sameSetting(a: CardUartSetting, b: CardUartSetting): boolean {
  return a.f === b.f && a.d === b.d && a.n === b.n && a.inverse === b.inverse && a.t1 === b.t1;
}

function describeSetting(s: CardUartSetting): string {
  const parts = [`F=${s.f}`, `D=${s.d}`, `N=${s.n}`];
  if (s.inverse) parts.push('inverse');
  parts.push(s.t1 ? 'T=1 frame' : 'T=0 frame');
  return `UART ${parts.join(' ')}`;
}

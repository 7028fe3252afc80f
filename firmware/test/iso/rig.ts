// Runs the ISO layer's test module (iso-harness.wasm) against a fake HAL on a virtual clock:
// one card line per slot that times every character from F, D, f and N, restarts the waiting-
// time counter on every character edge as firmware/HAL.md says, and hands characters to card
// models; one-shot timers; events delivered one at a time in time order. Deterministic: no
// wall clock, no randomness.
import type { HalImports } from '../../hal.ts';
import { HAL_MODULE, RxStatus, SLOT_COUNT, UartFlag } from '../../hal.ts';
import { buildHarness } from './build-harness.ts';
import type { CardModel, CardSide, SendOptions } from './card-line.ts';
import { convert } from './card-line.ts';

export interface HarnessExports {
  memory: WebAssembly.Memory;
  init(): void;
  on_card_rx(slot: number, byte: number, status: number): void;
  on_card_timeout(slot: number): void;
  on_card_presence(slot: number, present: number): void;
  on_timer(id: number): void;
  input_buffer(): number;
  input_capacity(): number;
  output_buffer(): number;
  power_on(slot: number, powerSelect: number, apduLevel: number): void;
  power_off(slot: number): void;
  icc_status(slot: number): number;
  transmit(slot: number, len: number, apduLevel: number): void;
  get_parameters(slot: number): number;
  set_parameters(slot: number, protocol: number, len: number): number;
  reset_parameters(slot: number): number;
  abort(slot: number): void;
  clock(slot: number, command: number): number;
  clock_status(slot: number): number;
  clock_khz(slot: number): number;
  data_rate(slot: number): number;
  counter(slot: number, tag: number): number;
  counters_reset(): void;
  set_exchange_limit(ms: number): void;
}

export interface Done {
  slot: number;
  error: number;
  data: number[];
  at: number;
}

export interface Call {
  name: string;
  args: number[];
  at: number;
  data?: number[];
}

interface Event {
  at: number;
  seq: number;
  run: () => void;
}

/** Characters take 12 etu from leading edge to leading edge; the receiver has one after 10. */
const CHAR_ETU = 12;
const RECEIVED_ETU = 10;
/** Default time from RST high to TS: 1000 clock cycles (ISO allows 400 … 40 000). */
const ATR_DELAY_CLOCKS = 1000;

class CardLine implements CardSide {
  voltage = 0;
  clockKhz = 0;
  rst = 0;
  present = 0;
  card: CardModel | undefined;
  reader = { f: 372, d: 1, n: 0, flags: 0 };
  cardF = 372;
  cardD = 1;
  atrDelayClocks = ATR_DELAY_CLOCKS;
  /** Bumped when the card loses power or RST goes low: its queued characters are dropped. */
  epoch = 0;
  private resets = 0;
  private lineFree = 0;
  private pendingReaderChars = 0;
  private waitEtu = 0;
  private waitEtuNs = 0;
  private waitFrom = 0;
  private waitGen = 0;
  /** Every character on the line: [direction, byte, leading edge ns]. */
  readonly trace: { from: 'reader' | 'card'; byte: number; at: number }[] = [];

  constructor(
    readonly slot: number,
    private readonly rig: Rig,
  ) {}

  get now(): number {
    return this.rig.now;
  }

  private etuNs(f: number, d: number): number {
    const khz = this.clockKhz > 0 ? this.clockKhz : 1000;
    return (f * 1e6) / (d * khz);
  }

  readerEtuNs(): number {
    return this.etuNs(this.reader.f, this.reader.d);
  }

  cardEtuNs(): number {
    return this.etuNs(this.cardF, this.cardD);
  }

  private guardEtu(): number {
    const n = this.reader.n;
    if (n === 255) return (this.reader.flags & UartFlag.T1) !== 0 ? -1 : 0;
    return n;
  }

  // --- HAL side ---

  /** The card stops (RST low, power off, pulled): what it had queued never arrives. */
  interrupt(): void {
    this.epoch++;
    this.lineFree = this.now;
    // The reader's queued characters go with them (their events see the new epoch): left
    // counted, the waiting-time counter would never fire again.
    this.pendingReaderChars = 0;
  }

  power(voltage: number): void {
    this.interrupt();
    this.voltage = voltage;
    this.rst = 0;
    this.resets = 0;
    this.cardF = 372;
    this.cardD = 1;
    this.reader = { f: 372, d: 1, n: 0, flags: 0 };
    if (voltage === 0) {
      this.pendingReaderChars = 0;
      this.disarm();
    }
  }

  reset(high: number): void {
    if (this.card?.onRst) {
      if (high === 0 && this.rst === 1) this.interrupt();
      this.rst = high;
      if (this.present) this.card.onRst(this, high !== 0);
      return;
    }
    if (high === 0) {
      if (this.rst === 1) this.interrupt();
      this.rst = 0;
      return;
    }
    if (this.rst === 1 || this.voltage === 0 || this.clockKhz === 0) return;
    this.rst = 1;
    this.cardF = 372;
    this.cardD = 1;
    const warm = this.resets > 0;
    this.resets++;
    const epoch = this.epoch;
    const delayNs = (this.atrDelayClocks * 1e6) / this.clockKhz;
    this.rig.schedule(this.now + delayNs, () => {
      if (epoch === this.epoch && this.present && this.card) this.card.onReset(this, warm);
    });
  }

  uart(f: number, d: number, n: number, flags: number): void {
    this.reader = { f, d, n, flags };
  }

  readerSend(bytes: number[]): void {
    if (this.voltage === 0) return;
    const etu = this.readerEtuNs();
    const epoch = this.epoch;
    const inverse = (this.reader.flags & UartFlag.Inverse) !== 0;
    for (const byte of bytes) {
      const start = Math.max(this.now, this.lineFree);
      this.lineFree = start + (CHAR_ETU + this.guardEtu()) * etu;
      this.pendingReaderChars++;
      this.rig.schedule(start, () => {
        if (epoch !== this.epoch) return;
        this.pendingReaderChars--;
        this.trace.push({ from: 'reader', byte, at: start });
        this.edge(start);
      });
      this.rig.schedule(start + RECEIVED_ETU * etu, () => {
        if (epoch !== this.epoch || !this.present || !this.card) return;
        const seen = convert(byte, inverse, this.card.inverse ?? false);
        this.card.onChar(this, seen.byte, seen.ok);
      });
    }
  }

  arm(etu: number): void {
    if (etu === 0) {
      this.disarm();
      return;
    }
    this.waitEtu = etu;
    this.waitEtuNs = this.readerEtuNs();
    this.waitFrom = this.now;
    this.waitGen++;
    this.scheduleCheck();
  }

  private disarm(): void {
    this.waitEtu = 0;
    this.waitGen++;
  }

  private edge(at: number): void {
    if (this.waitEtu === 0) return;
    this.waitFrom = at;
    this.waitGen++;
    this.scheduleCheck();
  }

  private scheduleCheck(): void {
    const gen = this.waitGen;
    this.rig.schedule(this.waitFrom + this.waitEtu * this.waitEtuNs, () => {
      if (gen !== this.waitGen || this.waitEtu === 0) return;
      if (this.pendingReaderChars > 0) return; // their edges restart the counter
      this.disarm();
      this.rig.exports.on_card_timeout(this.slot);
    });
  }

  // --- card side (CardSide) ---

  send(bytes: readonly number[], options: SendOptions = {}): void {
    const etu = this.cardEtuNs();
    const [cardF, cardD] = [this.cardF, this.cardD];
    const epoch = this.epoch;
    const gap = options.gapEtu ?? 0;
    let earliest = this.now + (options.delayEtu ?? 0) * etu + (options.delayNs ?? 0);
    bytes.forEach((byte, i) => {
      const start = Math.max(earliest, this.lineFree);
      this.lineFree = start + CHAR_ETU * etu;
      earliest = this.lineFree + gap * etu;
      const parity = options.parityErrors?.includes(i) ?? false;
      this.rig.schedule(start, () => {
        if (epoch !== this.epoch) return;
        this.trace.push({ from: 'card', byte, at: start });
        this.edge(start);
      });
      this.rig.schedule(start + RECEIVED_ETU * etu, () => {
        if (epoch !== this.epoch || this.voltage === 0) return;
        let seen = convert(
          byte,
          this.card?.inverse ?? false,
          (this.reader.flags & UartFlag.Inverse) !== 0,
        );
        // Different F/D on both ends: the reader samples garbage.
        if (cardF * this.reader.d !== this.reader.f * cardD) seen = { byte: 0xff, ok: false };
        const status = parity || !seen.ok ? RxStatus.ParityError : RxStatus.Ok;
        this.rig.exports.on_card_rx(this.slot, seen.byte, status);
      });
    });
  }

  setRate(f: number, d: number): void {
    this.cardF = f;
    this.cardD = d;
  }

  after(etu: number, fn: () => void): void {
    const epoch = this.epoch;
    this.rig.schedule(this.now + etu * this.cardEtuNs(), () => {
      if (epoch === this.epoch) fn();
    });
  }

  /** Bytes each side sent since `from` (trace index). */
  bytes(from: 'reader' | 'card', since = 0): number[] {
    return this.trace
      .slice(since)
      .filter((c) => c.from === from)
      .map((c) => c.byte);
  }
}

export class Rig {
  now = 0;
  exports!: HarnessExports;
  readonly lines: CardLine[] = [];
  readonly calls: Call[] = [];
  readonly done: Done[] = [];
  readonly waiting: { slot: number; multiplier: number; at: number }[] = [];
  readonly presence: { slot: number; present: number }[] = [];
  readonly panics: [number, number][] = [];
  private queue: Event[] = [];
  private readonly doneBySlot: number[] = [];
  private seq = 0;
  private timerGen = new Map<number, number>();

  private constructor() {
    for (let i = 0; i < SLOT_COUNT; i++) this.lines.push(new CardLine(i, this));
  }

  static async create(): Promise<Rig> {
    const rig = new Rig();
    const binary = await buildHarness();
    const module = await WebAssembly.compile(binary as BufferSource);
    const instance = await WebAssembly.instantiate(module, {
      [HAL_MODULE]: rig.halImports() as unknown as WebAssembly.ModuleImports,
      'test-harness': {
        slot_done: (slot: number, error: number, ptr: number, len: number) => {
          rig.done.push({ slot, error, data: rig.bytes(ptr, len), at: rig.now });
          rig.doneBySlot[slot] = (rig.doneBySlot[slot] ?? 0) + 1;
        },
        slot_waiting: (slot: number, multiplier: number) =>
          rig.waiting.push({ slot, multiplier, at: rig.now }),
        slot_presence: (slot: number, present: number) => rig.presence.push({ slot, present }),
      },
    });
    rig.exports = instance.exports as unknown as HarnessExports;
    rig.exports.init();
    return rig;
  }

  private bytes(ptr: number, len: number): number[] {
    return Array.from(new Uint8Array(this.exports.memory.buffer, ptr, len));
  }

  private record(name: string, args: number[], data?: number[]): void {
    this.calls.push(data ? { name, args, at: this.now, data } : { name, args, at: this.now });
  }

  private halImports(): HalImports {
    const line = (slot: number) => this.lines[slot];
    return {
      card_power: (slot, voltage) => {
        this.record('card_power', [slot, voltage]);
        line(slot).power(voltage);
        if (line(slot).present) line(slot).card?.onVcc?.(line(slot), voltage);
      },
      card_clock: (slot, khz) => {
        this.record('card_clock', [slot, khz]);
        line(slot).clockKhz = khz;
        if (line(slot).present) line(slot).card?.onClock?.(line(slot), khz);
      },
      card_reset: (slot, high) => {
        this.record('card_reset', [slot, high]);
        line(slot).reset(high);
      },
      card_uart: (slot, f, d, n, flags) => {
        this.record('card_uart', [slot, f, d, n, flags]);
        line(slot).uart(f, d, n, flags);
      },
      card_send: (slot, ptr, len) => {
        const data = this.bytes(ptr, len);
        this.record('card_send', [slot, len], data);
        line(slot).readerSend(data);
      },
      card_wait: (slot, etu) => {
        this.record('card_wait', [slot, etu]);
        line(slot).arm(etu);
      },
      card_present: (slot) => line(slot)?.present ?? 0,
      host_send: () => {},
      timer_set: (id, ms) => {
        this.record('timer_set', [id, ms]);
        const gen = (this.timerGen.get(id) ?? 0) + 1;
        this.timerGen.set(id, gen);
        this.schedule(this.now + ms * 1e6, () => {
          if (this.timerGen.get(id) !== gen) return;
          this.timerGen.set(id, gen + 1);
          this.exports.on_timer(id);
        });
      },
      timer_cancel: (id) => {
        this.record('timer_cancel', [id]);
        this.timerGen.set(id, (this.timerGen.get(id) ?? 0) + 1);
      },
      now_ms: () => Math.floor(this.now / 1e6) | 0,
      display_clear: () => {},
      display_text: () => {},
      beep: () => {},
      flash_size: () => 0,
      flash_sector_size: () => 0,
      flash_write_align: () => 1,
      flash_read: () => 1,
      flash_erase: () => {},
      flash_write: () => {},
      boot_confirm: () => {},
      boot_request_update: () => {},
      system_reset: () => {},
      device_uid: () => 0,
      log: () => {},
      panic: (l, c) => {
        this.panics.push([l, c]);
      },
    };
  }

  schedule(at: number, run: () => void): void {
    const event = { at, seq: this.seq++, run };
    let i = this.queue.length;
    while (
      i > 0 &&
      (this.queue[i - 1].at > at ||
        (this.queue[i - 1].at === at && this.queue[i - 1].seq > event.seq))
    )
      i--;
    this.queue.splice(i, 0, event);
  }

  /** Runs events until `until()` holds; throws when nothing is left to run or time runs out. */
  runUntil(until: () => boolean, limitNs = 600e9): void {
    for (let n = 0; !until(); n++) {
      const event = this.queue.shift();
      if (!event) throw new Error(`rig idle at ${this.now} ns before the condition held`);
      if (event.at > limitNs || n > 2_000_000)
        throw new Error(`rig limit reached at ${event.at} ns`);
      this.now = Math.max(this.now, event.at);
      event.run();
      if (this.panics.length) throw new Error(`firmware panic ${JSON.stringify(this.panics)}`);
    }
  }

  /** Runs every queued event (time advances to the last one). */
  drain(limitNs = this.now + 600e9): void {
    while (this.queue.length && this.queue[0].at <= limitNs) {
      const event = this.queue.shift()!;
      this.now = Math.max(this.now, event.at);
      event.run();
    }
    if (this.panics.length) throw new Error(`firmware panic ${JSON.stringify(this.panics)}`);
  }

  private doneCount(slot: number): number {
    return this.doneBySlot[slot] ?? 0;
  }

  /** Waits for the next completion on `slot`, counting from `seen` completions. */
  nextDone(slot: number, seen = this.doneCount(slot)): Done {
    this.runUntil(() => this.doneCount(slot) > seen);
    return this.done.filter((d) => d.slot === slot)[seen];
  }

  insert(slot: number, card: CardModel, notify = true): void {
    const line = this.lines[slot];
    line.card = card;
    line.present = 1;
    if (notify) this.schedule(this.now, () => this.exports.on_card_presence(slot, 1));
  }

  remove(slot: number): void {
    const line = this.lines[slot];
    line.present = 0;
    line.interrupt();
    this.schedule(this.now, () => this.exports.on_card_presence(slot, 0));
  }

  powerOnAsync(slot: number, powerSelect = 1, apduLevel = false): void {
    this.exports.power_on(slot, powerSelect, apduLevel ? 1 : 0);
  }

  powerOn(slot: number, powerSelect = 1, apduLevel = false): Done {
    const seen = this.doneCount(slot);
    this.powerOnAsync(slot, powerSelect, apduLevel);
    return this.nextDone(slot, seen);
  }

  private input(bytes: readonly number[]): void {
    new Uint8Array(this.exports.memory.buffer).set(bytes, this.exports.input_buffer());
  }

  transmitAsync(slot: number, bytes: readonly number[], apduLevel = false): void {
    this.input(bytes);
    this.exports.transmit(slot, bytes.length, apduLevel ? 1 : 0);
  }

  transmit(slot: number, bytes: readonly number[], apduLevel = false): Done {
    const seen = this.doneCount(slot);
    this.transmitAsync(slot, bytes, apduLevel);
    return this.nextDone(slot, seen);
  }

  getParameters(slot: number): { protocol: number; data: number[] } {
    const r = this.exports.get_parameters(slot);
    return { protocol: r >> 8, data: this.bytes(this.exports.output_buffer(), r & 0xff) };
  }

  setParameters(slot: number, protocol: number, data: readonly number[]): number {
    this.input(data);
    return this.exports.set_parameters(slot, protocol, data.length);
  }

  /** Calls of one HAL import, optionally for one slot (first argument). */
  callsOf(name: string, slot?: number): Call[] {
    return this.calls.filter((c) => c.name === name && (slot === undefined || c.args[0] === slot));
  }
}

export { CardLine };

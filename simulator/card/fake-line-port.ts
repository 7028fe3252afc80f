// A small stand-in for the card line, for the card's unit tests: its own scheduler on virtual
// time, a record of every character the card sends (with its leading edge), and a reader side
// that delivers characters to the card 12 etu apart. Not the real line (simulator/line): no
// faults beyond a parity error the test asks for.

import { T0_TURNAROUND_ETU } from '../../protocol/t1-constants.ts';
import type { CardContacts, CardLinePort, CardUartSetting } from './contract.ts';
import { CHARACTER_FRAME_ETU, etuNs } from './card-timing.ts';

/** ISO 7816-3 §7.2: a character takes 12 etu (11 in the T=1 frame with N = 255). */
const CHARACTER_ETU = 12;

interface Scheduled {
  readonly at: number;
  readonly seq: number;
  readonly handle: number;
  readonly fn: () => void;
}

/** One character the card put on the line. */
export interface SentChar {
  /** Leading edge of its start bit, ns. */
  readonly at: number;
  readonly byte: number;
  /** The card's frame when it was queued. */
  readonly uart: Readonly<CardUartSetting>;
}

export class FakeLinePort implements CardLinePort {
  #now = 0;
  #seq = 0;
  #nextHandle = 1;
  #queue: Scheduled[] = [];
  #hz: number;
  #seed: number;
  #uart: CardUartSetting = { f: 372, d: 1, n: 0, inverse: false, t1: false };
  #lineFreeAt = 0;
  #lastCardEdge = -Infinity;
  #readerFreeAt = 0;
  /** Everything the card sent, in order; `take` empties it. */
  sent: SentChar[] = [];
  /** Every setUart call, with its time. */
  readonly uartLog: { at: number; setting: CardUartSetting }[] = [];
  flushes = 0;

  constructor(clockHz = 3_571_200, seed = 1) {
    this.#hz = clockHz;
    this.#seed = seed >>> 0 || 1;
  }

  // --- CardLinePort ---------------------------------------------------------------------------

  now(): number {
    return this.#now;
  }

  schedule(delayNs: number, fn: () => void): number {
    const handle = this.#nextHandle++;
    this.#queue.push({ at: this.#now + Math.max(0, delayNs), seq: this.#seq++, handle, fn });
    return handle;
  }

  cancel(handle: number): void {
    this.#queue = this.#queue.filter((e) => e.handle !== handle);
  }

  clockHz(): number {
    return this.#hz;
  }

  setUart(setting: CardUartSetting): void {
    this.#uart = { ...setting };
    this.uartLog.push({ at: this.#now, setting: { ...setting } });
  }

  transmit(bytes: Uint8Array, delayNs = 0): void {
    let at = Math.max(this.#now + Math.max(0, delayNs), this.#lineFreeAt);
    const charNs = this.characterNs(this.#uart);
    for (const byte of bytes) {
      this.sent.push({ at, byte, uart: { ...this.#uart } });
      this.#lastCardEdge = at;
      at += charNs;
    }
    this.#lineFreeAt = at;
  }

  flush(): void {
    this.flushes++;
    this.sent = this.sent.filter((c) => c.at <= this.#now);
    this.#lineFreeAt = Math.min(this.#lineFreeAt, this.#now);
  }

  random(): number {
    // xorshift32: deterministic for a seed.
    let x = this.#seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#seed = x >>> 0;
    return this.#seed / 0x1_0000_0000;
  }

  // --- test side ------------------------------------------------------------------------------

  get uart(): Readonly<CardUartSetting> {
    return this.#uart;
  }

  /** The reader changes the clock; tell the card too. */
  setClock(card: CardContacts, hz: number): void {
    this.#hz = hz;
    card.clock(hz);
  }

  etuNs(setting: CardUartSetting = this.#uart): number {
    return etuNs(setting.f, setting.d, this.#hz);
  }

  characterNs(setting: CardUartSetting = this.#uart): number {
    const etu = CHARACTER_ETU - (setting.t1 && setting.n === 255 ? 1 : 0);
    return etu * this.etuNs(setting);
  }

  /** Events still scheduled. */
  get pendingEvents(): number {
    return this.#queue.length;
  }

  /** Runs events in time order until none is left or virtual time would pass `untilNs`. */
  run(untilNs = Infinity, maxEvents = 1_000_000): void {
    for (let n = 0; n < maxEvents; n++) {
      let next: Scheduled | undefined;
      for (const e of this.#queue) {
        if (next === undefined || e.at < next.at || (e.at === next.at && e.seq < next.seq))
          next = e;
      }
      if (next === undefined || next.at > untilNs) break;
      this.#queue = this.#queue.filter((e) => e !== next);
      this.#now = next.at;
      next.fn();
    }
    if (Number.isFinite(untilNs) && untilNs > this.#now) this.#now = untilNs;
  }

  /** Advances virtual time by `ns`, running what falls due. */
  advance(ns: number): void {
    this.run(this.#now + ns);
  }

  /**
   * The reader sends `bytes` to `card`, 12 etu apart in the card's current frame, starting `gapEtu`
   * after the later of now and the card's last character. `parityErrors` lists indexes delivered
   * with a parity error (the line corrupted them; in T=0 the test then sends them again itself).
   */
  readerSends(
    card: CardContacts,
    bytes: ArrayLike<number>,
    options: { gapEtu?: number; parityErrors?: readonly number[] } = {},
  ): { firstEdge: number; lastEdge: number; lastReceived: number } {
    const etu = this.etuNs();
    const gap = (options.gapEtu ?? T0_TURNAROUND_ETU) * etu;
    let at = Math.max(this.#now, this.#lastCardEdge + gap, this.#readerFreeAt);
    const firstEdge = at;
    let lastEdge = at;
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i];
      const parityError = options.parityErrors?.includes(i) ?? false;
      this.#queue.push({
        at: at + CHARACTER_FRAME_ETU * etu,
        seq: this.#seq++,
        handle: this.#nextHandle++,
        fn: () => card.receive(byte, parityError),
      });
      lastEdge = at;
      at += this.characterNs();
    }
    this.#readerFreeAt = at;
    return { firstEdge, lastEdge, lastReceived: lastEdge + CHARACTER_FRAME_ETU * etu };
  }

  /** The reader sends and the simulation runs until nothing is left to do. */
  exchange(
    card: CardContacts,
    bytes: ArrayLike<number>,
    options?: { gapEtu?: number; parityErrors?: readonly number[] },
  ): SentChar[] {
    this.readerSends(card, bytes, options);
    this.run();
    return this.take();
  }

  /** What the card sent since the last take. */
  take(): SentChar[] {
    const out = this.sent;
    this.sent = [];
    return out;
  }
}

/** The bytes of some sent characters. */
export function bytesOf(chars: readonly SentChar[]): number[] {
  return chars.map((c) => c.byte);
}

/** Hex of some bytes, spaced, uppercase: "3B 6D 00". */
export function hexOf(bytes: ArrayLike<number>): string {
  return Array.from(bytes, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}

/** Bytes from spaced hex. */
export function hexBytes(text: string): Uint8Array {
  const digits = text.replace(/\s+/g, '');
  return Uint8Array.from(digits.match(/../g) ?? [], (h) => parseInt(h, 16));
}

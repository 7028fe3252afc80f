// A small scripted card for the line's and the reader's own tests (the real virtual cards live in
// simulator/card, simulator/cos and simulator/profiles): it answers a reset with a fixed ATR after
// `atrDelayClocks`, then answers every T=0 TPDU or T=1 I-block with 90 00.
import type { CardContacts, CardLinePort, VoltageClassCode } from '../card/contract.ts';

export interface ScriptedCardOptions {
  /** The ATR to send. */
  atr: Uint8Array;
  /** Clock cycles from RST high to TS (ISO 7816-3 §6.2.2: 400 … 40 000). */
  atrDelayClocks?: number;
  /** Inverse convention (the ATR then starts with 3F). */
  inverse?: boolean;
  /** Speaks T=1 after the ATR (LRC, IFSC 32). */
  t1?: boolean;
  /** Voltage classes the card works at (default all). */
  classes?: VoltageClassCode[];
  /** T=0 INS bytes whose P3 is Lc (data to the card). */
  incomingIns?: number[];
  /** Processing time before each answer, ns. */
  processingNs?: number;
}

const DEFAULT_INCOMING = [0xa4, 0x20, 0x24, 0x2c, 0xd6, 0xdc, 0xe2, 0x82, 0x88, 0x5e];

export class ScriptedCard implements CardContacts {
  /** Every character the card accepted (parity errors excluded). */
  readonly received: number[] = [];
  /** Characters that arrived with a parity error (the reader repeats them in T=0). */
  parityErrors = 0;
  resets = 0;
  private port: CardLinePort | undefined;
  private vccClass: VoltageClassCode = 0;
  private hz = 0;
  private rstHigh = false;
  private active = false;
  private pendingAtr: number | undefined;
  private rx: number[] = [];
  private t0DataLeft = 0;
  private nsCard = 0;
  private readonly opts: Required<ScriptedCardOptions>;

  constructor(options: ScriptedCardOptions) {
    this.opts = {
      atrDelayClocks: 10_000,
      inverse: false,
      t1: false,
      classes: [1, 2, 3],
      incomingIns: DEFAULT_INCOMING,
      processingNs: 0,
      ...options,
    };
  }

  attach(port: CardLinePort): void {
    this.port = port;
  }

  detach(): void {
    this.port = undefined;
  }

  vcc(voltage: VoltageClassCode): void {
    this.vccClass = voltage;
    if (voltage === 0) this.stop();
  }

  clock(hz: number): void {
    this.hz = hz;
  }

  rst(high: boolean): void {
    this.rstHigh = high;
    if (!high) {
      this.stop();
      return;
    }
    // A card that does not support the class, or has no clock, stays mute.
    if (!this.opts.classes.includes(this.vccClass) || this.hz <= 0 || !this.port) return;
    this.resets++;
    const port = this.port;
    port.setUart({ f: 372, d: 1, n: 0, inverse: this.opts.inverse, t1: false });
    const delayNs = (this.opts.atrDelayClocks / this.hz) * 1e9;
    this.pendingAtr = port.schedule(delayNs, () => {
      this.pendingAtr = undefined;
      port.transmit(this.opts.atr);
      if (this.opts.t1) port.setUart({ f: 372, d: 1, n: 0, inverse: this.opts.inverse, t1: true });
      this.active = true;
    });
  }

  receive(byte: number, parityError: boolean): void {
    if (parityError) {
      this.parityErrors++;
      return;
    }
    this.received.push(byte);
    if (!this.active || !this.port) return;
    this.rx.push(byte);
    if (this.opts.t1) this.onT1Byte();
    else this.onT0Byte();
  }

  private stop(): void {
    this.active = false;
    if (this.pendingAtr !== undefined) this.port?.cancel(this.pendingAtr);
    this.pendingAtr = undefined;
    this.port?.flush();
    this.rx = [];
    this.t0DataLeft = 0;
    this.nsCard = 0;
  }

  private answer(bytes: number[]): void {
    this.port?.transmit(Uint8Array.from(bytes), this.opts.processingNs);
  }

  private onT0Byte(): void {
    if (this.t0DataLeft > 0) {
      if (--this.t0DataLeft === 0) {
        this.rx = [];
        this.answer([0x90, 0x00]);
      }
      return;
    }
    if (this.rx.length < 5) return;
    const [, ins, , , p3] = this.rx;
    this.rx = [];
    if (this.opts.incomingIns.includes(ins) && p3 > 0) {
      this.t0DataLeft = p3;
      this.answer([ins]); // procedure byte: send all remaining data
    } else {
      this.answer([0x90, 0x00]);
    }
  }

  private onT1Byte(): void {
    if (this.rx.length < 3 || this.rx.length < 4 + this.rx[2]) return;
    const block = this.rx;
    this.rx = [];
    const pcb = block[1];
    if ((pcb & 0x80) === 0) {
      const reply = [0x00, (this.nsCard << 6) & 0x40, 0x02, 0x90, 0x00];
      this.nsCard ^= 1;
      this.answer([...reply, lrc(reply)]);
    } else if ((pcb & 0xe0) === 0xc0) {
      const reply = [0x00, pcb | 0x20, block[2], ...block.slice(3, 3 + block[2])];
      this.answer([...reply, lrc(reply)]);
    }
  }
}

function lrc(bytes: number[]): number {
  return bytes.reduce((a, b) => a ^ b, 0);
}

// The simulation trace: card line per slot, host link, and reader events, with virtual
// timestamps, as text lines. PIN data fields are masked when they are recorded (pin-mask.ts,
// ccid-mask.ts), so a PIN is never held in the trace, not even in memory; digit keys are shown
// as `*`.
//
// Line format:   <virtual ms, 6 decimals> <source> <text>
//   slotN  R>C 00 A4 04 00 …      reader to card, one line per run of characters in one direction
//   slotN  C>R 3B 6D …            card to reader; `+3F` a repetition, `3F~` corrupted by a fault,
//                                 `**` masked PIN data
//   slotN  ! reader 03 parity error   what a receiver read when it differs from what was sent
//   slotN  RST high, UART F=372 …     line events
//   host   H>R 03 06 …  /  R>H …      host link bytes in one direction, as delivered (USB packets
//                                 or UART bytes) with nothing else traced in between
//   reader …                          firmware log, panic, boot, display, keys, beeper, flash
// A run of characters is written when it ends, with the time of its first leading edge.
import type { WireDriver } from '../line/io-wire.ts';
import type { CharacterInfo, LineTraceSink } from '../line/line-trace.ts';
import { CcidStreamMasker } from './ccid-mask.ts';
import { T0StreamMasker, T1StreamMasker } from './pin-mask.ts';
import { MAX_RECORDS, pushBounded } from '../engine/bounded.ts';

export type HostDirection = 'to-reader' | 'to-host';

export interface TraceOptions {
  /** Receives every line as soon as it is complete (a file, stderr). */
  write?: (line: string) => void;
  /** Keep the lines in memory (`lines`, `text()`); default true. */
  keep?: boolean;
  /** At most this many lines in memory, the oldest dropped first (default MAX_RECORDS). */
  maxLines?: number;
}

interface Run {
  start: number;
  from: WireDriver;
  parts: string[];
}

interface SlotMaskers {
  t0: T0StreamMasker;
  t1: T1StreamMasker;
  t1Active: boolean;
  /** The decision for the last first transmission, reused for its repetitions. */
  lastReaderMasked: boolean;
}

const hex2 = (b: number) => b.toString(16).toUpperCase().padStart(2, '0');

export function formatTime(ns: number): string {
  return (ns / 1e6).toFixed(6).padStart(13);
}

export class Trace implements LineTraceSink {
  readonly lines: string[] = [];
  private readonly runs = new Map<number, Run>();
  /** Host-link bytes in one direction with nothing else traced in between. */
  private hostRun: { start: number; direction: HostDirection; parts: string[] } | undefined;
  private readonly maskers = new Map<number, SlotMaskers>();
  private readonly hostMaskers: Record<HostDirection, CcidStreamMasker> = {
    'to-reader': new CcidStreamMasker(),
    'to-host': new CcidStreamMasker(),
  };
  private readonly write: ((line: string) => void) | undefined;
  private readonly keep: boolean;
  private readonly maxLines: number;

  constructor(options: TraceOptions = {}) {
    this.write = options.write;
    this.keep = options.keep ?? true;
    this.maxLines = options.maxLines ?? MAX_RECORDS;
  }

  // ---- card lines ----

  character(
    slot: number,
    timeNs: number,
    from: WireDriver,
    byte: number,
    info: CharacterInfo,
  ): void {
    const masked = this.maskCharacter(slot, from, byte, info);
    let text = masked ? '**' : hex2(byte);
    if (info.attempt > 0) text = `+${text}`;
    if (info.corrupted) text = `${text}~`;
    const run = this.runs.get(slot);
    if (run && run.from === from) {
      run.parts.push(text);
      return;
    }
    this.closeRun(slot);
    this.runs.set(slot, { start: timeNs, from, parts: [text] });
  }

  anomaly(slot: number, timeNs: number, to: WireDriver, byte: number, what: string): void {
    this.closeRun(slot);
    // What the card read of a masked character is PIN data too (a corrupted copy of it).
    const masked = to === 'card' && this.slotMaskers(slot, false).lastReaderMasked;
    this.emit(timeNs, `slot${slot}`, `! ${to} read ${masked ? '**' : hex2(byte)}: ${what}`);
  }

  event(slot: number, timeNs: number, what: string, restart: boolean): void {
    this.closeRun(slot);
    if (restart) this.slotMaskers(slot, true);
    this.emit(timeNs, `slot${slot}`, what);
  }

  // ---- host link ----

  host(timeNs: number, direction: HostDirection, bytes: Uint8Array): void {
    const masker = this.hostMaskers[direction];
    const parts = Array.from(bytes, (b) => (masker.feed(b) ? '**' : hex2(b)));
    if (this.hostRun?.direction === direction) {
      this.hostRun.parts.push(...parts);
      return;
    }
    this.closeHostRun();
    this.hostRun = { start: timeNs, direction, parts };
  }

  // ---- everything else ----

  /** A reader event (log, panic, boot, display, key, beep, flash, power). Never PIN data. */
  note(timeNs: number, source: string, text: string): void {
    this.emit(timeNs, source, text);
  }

  /** Writes the runs still open. */
  flush(): void {
    for (const slot of [...this.runs.keys()].sort()) this.closeRun(slot);
    this.closeHostRun();
  }

  /** The whole trace (after a flush). */
  text(): string {
    this.flush();
    return this.lines.map((l) => `${l}\n`).join('');
  }

  private maskCharacter(
    slot: number,
    from: WireDriver,
    byte: number,
    info: CharacterInfo,
  ): boolean {
    const m = this.slotMaskers(slot, false);
    if (info.t1 !== m.t1Active) {
      // The frame changed (after the ATR or a PPS): start the new protocol's masker afresh.
      m.t1Active = info.t1;
      m.t0.reset();
      m.t1.reset();
    }
    if (from === 'card') {
      if (info.attempt === 0) {
        if (m.t1Active) m.t1.fromCard();
        else m.t0.fromCard(byte);
      }
      return false;
    }
    if (info.attempt > 0) return m.lastReaderMasked;
    m.lastReaderMasked = m.t1Active ? m.t1.fromReader(byte) : m.t0.fromReader(byte);
    return m.lastReaderMasked;
  }

  private slotMaskers(slot: number, fresh: boolean): SlotMaskers {
    let m = this.maskers.get(slot);
    if (!m || fresh) {
      m = {
        t0: new T0StreamMasker(),
        t1: new T1StreamMasker(),
        t1Active: m?.t1Active ?? false,
        lastReaderMasked: false,
      };
      this.maskers.set(slot, m);
    }
    return m;
  }

  private closeHostRun(): void {
    const run = this.hostRun;
    if (!run) return;
    this.hostRun = undefined;
    const dir = run.direction === 'to-reader' ? 'H>R' : 'R>H';
    this.write1(run.start, 'host', `${dir} ${run.parts.join(' ')}`);
  }

  private closeRun(slot: number): void {
    const run = this.runs.get(slot);
    if (!run) return;
    this.runs.delete(slot);
    const dir = run.from === 'reader' ? 'R>C' : 'C>R';
    this.emit(run.start, `slot${slot}`, `${dir} ${run.parts.join(' ')}`);
  }

  private emit(timeNs: number, source: string, text: string): void {
    this.closeHostRun();
    this.write1(timeNs, source, text);
  }

  private write1(timeNs: number, source: string, text: string): void {
    const line = `${formatTime(timeNs)} ${source.padEnd(6)} ${text}`;
    if (this.keep) pushBounded(this.lines, line, this.maxLines);
    this.write?.(line);
  }
}

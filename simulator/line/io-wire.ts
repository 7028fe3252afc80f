// The I/O contact (C7) as a waveform: every character sent by the reader or the card, and every
// error signal a receiver drives, is an element of level slots on the shared wire. The wire is
// open-drain (wired-AND): it is low when any element drives it low, high otherwise. Receivers
// sample it at their own etu, so a rate or convention mismatch, a collision, or a card pulled
// mid-character garble characters the way a real UART would see them.

export type WireDriver = 'reader' | 'card';

export interface WireElement {
  driver: WireDriver;
  /** Leading edge, ns. */
  start: number;
  /** Length of one slot, ns. */
  slotNs: number;
  /** Levels per slot (a character has 10; an error signal has 1). */
  levels: Uint8Array;
  /** The element stops driving at this time (card pulled, power off); Infinity otherwise. */
  cut: number;
  /** The byte the transmitter meant to send (characters only; for the trace). */
  byte?: number;
}

function endOf(e: WireElement): number {
  return Math.min(e.start + e.slotNs * e.levels.length, e.cut);
}

export class IoWire {
  private elements: WireElement[] = [];

  add(driver: WireDriver, start: number, slotNs: number, levels: Uint8Array): WireElement {
    const e: WireElement = { driver, start, slotNs, levels, cut: Infinity };
    this.elements.push(e);
    return e;
  }

  /** Stops every element of `driver` (or all) from driving the wire after `time`. */
  cutAll(time: number, driver?: WireDriver): void {
    for (const e of this.elements)
      if (!driver || e.driver === driver) e.cut = Math.min(e.cut, time);
  }

  /**
   * Level at `time`. Slots are half-open [a, b); with `justBefore`, the level on (time - ε, time).
   */
  levelAt(time: number, justBefore = false): 0 | 1 {
    for (const e of this.elements) {
      const end = endOf(e);
      const active = justBefore ? e.start < time && time <= end : e.start <= time && time < end;
      if (!active) continue;
      const offset = (time - e.start) / e.slotNs;
      const slot = justBefore ? Math.ceil(offset) - 1 : Math.floor(offset);
      if (e.levels[Math.min(slot, e.levels.length - 1)] === 0) return 0;
    }
    return 1;
  }

  /** The first falling edge (high → low) at or after `from`, among the elements known now. */
  nextFallingEdge(from: number): number | undefined {
    let best: number | undefined;
    for (const e of this.elements) {
      const end = endOf(e);
      if (end <= from) continue;
      for (let k = 0; k < e.levels.length; k++) {
        const t = e.start + k * e.slotNs;
        if (t >= end) break;
        if (t < from || (best !== undefined && t >= best)) continue;
        if (e.levels[k] !== 0 || (k > 0 && e.levels[k - 1] === 0)) continue;
        if (this.levelAt(t, true) === 1 && this.levelAt(t) === 0) best = t;
      }
    }
    return best;
  }

  find(match: (e: WireElement) => boolean): WireElement | undefined {
    return this.elements.find(match);
  }

  /** Forgets elements that ended before `time` (nobody will sample before it again). */
  prune(time: number): void {
    if (this.elements.length < 16) return;
    this.elements = this.elements.filter((e) => endOf(e) >= time);
  }

  clear(): void {
    this.elements = [];
  }
}

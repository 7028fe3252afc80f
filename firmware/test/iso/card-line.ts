// The card side of a slot for the ISO layer's tests: what a card model sees and may do, and the
// character conventions on the I/O line (ISO 7816-3 §8.1: direct = lsb first, high = 1;
// inverse = msb first, low = 1), so that a card of the other convention decodes as 03 / 23.

export interface SendOptions {
  /** Idle etu before the first character (from now, or from the end of the line's last one). */
  delayEtu?: number;
  /** The same in ns (added to delayEtu). */
  delayNs?: number;
  /** Extra idle etu between characters (12 etu apart by default). */
  gapEtu?: number;
  /** Indices of characters the reader receives with a parity error. */
  parityErrors?: number[];
}

export interface CardSide {
  readonly slot: number;
  /** Virtual time, ns. */
  readonly now: number;
  /** VoltageClass the card is powered at (0 = off). */
  readonly voltage: number;
  readonly clockKhz: number;
  /** Queues characters from the card. */
  send(bytes: readonly number[], options?: SendOptions): void;
  /** The card's own F and D (after a PPS it answered): the reader must follow, or it reads garbage. */
  setRate(f: number, d: number): void;
  /** Runs `fn` after `etu` of the card's etu (card processing time). */
  after(etu: number, fn: () => void): void;
}

export interface CardModel {
  /** The card's convention: true = inverse (TS 3F). */
  readonly inverse?: boolean;
  /** RST went high: cold (first since power-on) or warm. Answer with the ATR, or stay mute. */
  onReset(side: CardSide, warm: boolean): void;
  /**
   * Optional electrical view, for a card that times its own answer to reset: every VCC, clock
   * and RST change. With onRst the line leaves the ATR timing to the card (onReset is not used).
   */
  onVcc?(side: CardSide, voltage: number): void;
  onClock?(side: CardSide, khz: number): void;
  onRst?(side: CardSide, high: boolean): void;
  /** One character from the reader, as the card decoded it (`ok` false: parity error). */
  onChar(side: CardSide, byte: number, ok: boolean): void;
}

/** The 9 line levels (8 data bits then parity; 1 = high) of `byte` in a convention. */
export function toLine(byte: number, inverse: boolean): number[] {
  const bits: number[] = [];
  for (let i = 0; i < 8; i++) bits.push(inverse ? (byte >> (7 - i)) & 1 : (byte >> i) & 1);
  const parity = bits.reduce((a, b) => a ^ b, 0); // even parity over data + parity bit
  const logical = [...bits, parity];
  return inverse ? logical.map((b) => b ^ 1) : logical;
}

/** Decodes 9 line levels in a convention: the byte and whether the parity holds. */
export function fromLine(
  levels: readonly number[],
  inverse: boolean,
): { byte: number; ok: boolean } {
  const logical = inverse ? levels.map((b) => b ^ 1) : [...levels];
  let byte = 0;
  for (let i = 0; i < 8; i++) byte |= logical[i] << (inverse ? 7 - i : i);
  return { byte, ok: logical.reduce((a, b) => a ^ b, 0) === 0 };
}

/** A character sent in one convention as a receiver in the other (or same) one reads it. */
export function convert(
  byte: number,
  fromInverse: boolean,
  toInverse: boolean,
): { byte: number; ok: boolean } {
  return fromLine(toLine(byte, fromInverse), toInverse);
}

/** XOR of bytes (TCK, PCK, LRC). */
export function xor(bytes: readonly number[]): number {
  return bytes.reduce((a, b) => a ^ b, 0);
}

/** An ATR with its TCK appended (when any TD announces T ≠ 0, ISO 7816-3 §8.2.5). */
export function withTck(atr: readonly number[]): number[] {
  return [...atr, xor(atr.slice(1))];
}

// ISO 7816-3 character frame (§7.1, §8.1 "TS"): a start bit (low), 8 data bits, an even-parity
// bit, each one etu long. Direct convention: high (Z) = 1, least significant bit first. Inverse
// convention: low (A) = 1, most significant bit first. Parity: the number of logical ones in the
// data bits and the parity bit is even. Reading a character with the wrong convention garbles it
// faithfully: TS 3F (inverse) read as direct gives 03, TS 3B read as inverse gives 23, both with a
// parity error (../../../shared/reference/iso7816-and-ccid.md §A4).

/** Line levels: 0 = low (state A), 1 = high (state Z, the idle level). */
export type Level = 0 | 1;

/** Number of bit slots in a character: start, 8 data, parity. */
export const CHARACTER_BITS = 10;

function parityOf(byte: number): number {
  let p = 0;
  for (let i = 0; i < 8; i++) p ^= (byte >> i) & 1;
  return p;
}

/** The 10 line levels of one character (index 0 = the start bit). */
export function encodeCharacter(byte: number, inverse: boolean): Uint8Array {
  const levels = new Uint8Array(CHARACTER_BITS);
  levels[0] = 0;
  for (let i = 0; i < 8; i++) {
    const bit = inverse ? (byte >> (7 - i)) & 1 : (byte >> i) & 1;
    levels[1 + i] = inverse ? bit ^ 1 : bit;
  }
  const p = parityOf(byte);
  levels[9] = inverse ? p ^ 1 : p;
  return levels;
}

export interface DecodedCharacter {
  byte: number;
  parityOk: boolean;
}

/** Reads the 10 sampled levels of a frame (index 0 = start bit) with a convention. */
export function decodeCharacter(levels: ArrayLike<number>, inverse: boolean): DecodedCharacter {
  let byte = 0;
  for (let i = 0; i < 8; i++) {
    const logical = inverse ? levels[1 + i] ^ 1 : levels[1 + i];
    byte |= logical << (inverse ? 7 - i : i);
  }
  const parity = inverse ? levels[9] ^ 1 : levels[9];
  return { byte, parityOk: parity === parityOf(byte) };
}

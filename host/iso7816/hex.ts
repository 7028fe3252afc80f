import { Iso7816FormatError } from '../../protocol/iso7816/format-error.ts';

const DIGITS = '0123456789ABCDEF';

/** Uppercase hex, no separators: the form the national interface prints (卡识别码, 卡复位信息). */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += DIGITS[b >> 4] + DIGITS[b & 0x0f];
  return s;
}

/**
 * Parses hex, either case; spaces, tabs and newlines between digits are ignored so that trace
 * lines (`00 A4 04 00 …`) paste straight in. Anything else, or an odd digit count, is an error.
 */
export function fromHex(text: string): Uint8Array {
  if (typeof text !== 'string') throw new Iso7816FormatError('hex', 'not a string');
  const digits: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    const v = hexValue(c);
    if (v < 0)
      throw new Iso7816FormatError('hex', `bad hex character ${JSON.stringify(text[i])}`, i);
    digits.push(v);
  }
  if (digits.length % 2 !== 0) throw new Iso7816FormatError('hex', 'odd number of hex digits');
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = (digits[2 * i] << 4) | digits[2 * i + 1];
  return out;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

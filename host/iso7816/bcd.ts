// BCD data elements. `cn` (compressed numeric, SSC specification and EMV Book 3 §4.3): digits
// left-aligned, two per byte, right-padded with F nibbles. `n`: digits right-aligned, left-padded
// with 0 (EMV amounts, dates such as 5F24).
import { Iso7816FormatError } from '../../protocol/iso7816/format-error.ts';

/**
 * Decodes `cn`: the digits up to the first F nibble. A field of all F (an unset 民族 `FF`, an
 * empty 出生日期 `FFFFFFFF`) decodes to ''. A digit after the padding, or a nibble A–E, is an error.
 */
export function decodeCn(bytes: Uint8Array): string {
  let digits = '';
  let padding = false;
  for (let i = 0; i < bytes.length * 2; i++) {
    const nibble = i % 2 === 0 ? bytes[i >> 1] >> 4 : bytes[i >> 1] & 0x0f;
    if (nibble === 0x0f) {
      padding = true;
    } else if (padding) {
      throw new Iso7816FormatError('bcd', 'digit after F padding', i >> 1);
    } else if (nibble > 9) {
      throw new Iso7816FormatError(
        'bcd',
        `nibble ${nibble.toString(16).toUpperCase()} is not a digit`,
        i >> 1,
      );
    } else {
      digits += String.fromCharCode(0x30 + nibble);
    }
  }
  return digits;
}

/** Encodes `cn` into `length` bytes (default: just enough), right-padded with F. */
export function encodeCn(digits: string, length = Math.ceil(digits.length / 2)): Uint8Array {
  checkDigits(digits);
  if (!Number.isInteger(length) || length < 0 || digits.length > length * 2)
    throw new Iso7816FormatError('bcd', `${digits.length} digits do not fit in ${length} bytes`);
  const out = new Uint8Array(length).fill(0xff);
  for (let i = 0; i < digits.length; i++) {
    const d = digits.charCodeAt(i) - 0x30;
    out[i >> 1] = i % 2 === 0 ? (d << 4) | 0x0f : (out[i >> 1] & 0xf0) | d;
  }
  return out;
}

/** Decodes `n`: every nibble must be a digit; leading zeros are kept (they are significant in dates). */
export function decodeN(bytes: Uint8Array): string {
  let digits = '';
  for (let i = 0; i < bytes.length; i++) {
    const hi = bytes[i] >> 4;
    const lo = bytes[i] & 0x0f;
    if (hi > 9 || lo > 9) throw new Iso7816FormatError('bcd', 'not a BCD digit', i);
    digits += String.fromCharCode(0x30 + hi, 0x30 + lo);
  }
  return digits;
}

/** Encodes `n` into `length` bytes, right-aligned and left-padded with 0. */
export function encodeN(digits: string, length = Math.ceil(digits.length / 2)): Uint8Array {
  checkDigits(digits);
  if (!Number.isInteger(length) || length < 0 || digits.length > length * 2)
    throw new Iso7816FormatError('bcd', `${digits.length} digits do not fit in ${length} bytes`);
  const padded = digits.padStart(length * 2, '0');
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++)
    out[i] = ((padded.charCodeAt(2 * i) - 0x30) << 4) | (padded.charCodeAt(2 * i + 1) - 0x30);
  return out;
}

function checkDigits(digits: string): void {
  if (typeof digits !== 'string' || !/^[0-9]*$/.test(digits))
    throw new Iso7816FormatError('bcd', `not a digit string: ${JSON.stringify(digits)}`);
}

// PIN encodings (kiosk-cards.md §1.5–§1.6): VERIFY and CHANGE PIN carry the PIN as cn (BCD, an
// odd number of digits padded with F), 2–8 bytes; PIN reload carries a PIN block
// 0N ‖ BCD PIN ‖ 80 ‖ 00… (N = PIN length in bytes).

export const PIN_MIN_BYTES = 2;
export const PIN_MAX_BYTES = 8;

/** The digits of a cn PIN, or null: digits 0–9, at most one F, and only as the last nibble. */
export function parseCnPin(bytes: Uint8Array): string | null {
  if (bytes.length < PIN_MIN_BYTES || bytes.length > PIN_MAX_BYTES) return null;
  let digits = '';
  for (let i = 0; i < bytes.length; i++) {
    const hi = bytes[i] >> 4;
    const lo = bytes[i] & 0x0f;
    if (hi > 9) return null;
    digits += String(hi);
    if (lo === 0x0f && i === bytes.length - 1) break;
    if (lo > 9) return null;
    digits += String(lo);
  }
  return digits;
}

/** The cn form of a PIN's digits (test data and the test HSM). */
export function encodeCnPin(digits: string): Uint8Array {
  const padded = digits.length % 2 ? digits + 'F' : digits;
  const out = new Uint8Array(padded.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(padded.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** §1.6: 0N ‖ cn PIN ‖ 80 ‖ 00… to `blockSize` bytes. */
export function encodePinBlock(digits: string, blockSize: number): Uint8Array {
  const cn = encodeCnPin(digits);
  const out = new Uint8Array(blockSize);
  out[0] = cn.length;
  out.set(cn, 1);
  out[1 + cn.length] = 0x80;
  return out;
}

/** The PIN digits of a decrypted PIN block, or null when the block is malformed. */
export function parsePinBlock(block: Uint8Array): string | null {
  const n = block[0];
  if (n < PIN_MIN_BYTES || n > PIN_MAX_BYTES || 2 + n > block.length) return null;
  if (block[1 + n] !== 0x80) return null;
  for (let i = 2 + n; i < block.length; i++) if (block[i] !== 0) return null;
  return parseCnPin(block.subarray(1, 1 + n));
}

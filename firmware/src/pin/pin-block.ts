// Writes the typed PINs into the APDU template of the request (pin-request.ts): each digit as a
// BCD nibble, an ASCII character or a binary byte (00..09), left- or right-justified in its
// block, the PIN-length field, or — with block size 0 — the PIN inserted and Lc set. Bits are
// numbered from the most significant bit of the first data byte, as CCID's bit units count.
import {
  template,
  templateLength,
  dataLength,
  format,
  PinFormat,
  rightJustified,
  digitBits,
  blockBytes,
  lengthFieldBits,
  oldBit,
  newBit,
  oldLengthBit,
  newLengthBit,
  pinBytes,
} from './pin-request';

/** Header CLA INS P1 P2, then Lc. */
const HEADER: i32 = 4;

/**
 * Builds the command at `out` from the template, the current PIN (`oldDigits`, `oldCount`
 * digits 0..9; count -1 when the request has none) and the new PIN (count -1 in a
 * verification). Returns its length. The caller wipes `out` once the command is sent.
 */
export function buildPinCommand(
  out: usize,
  oldDigits: usize,
  oldCount: i32,
  newDigits: usize,
  newCount: i32,
): i32 {
  if (blockBytes > 0) {
    memory.copy(out, template, <usize>templateLength);
    const data = out + <usize>(HEADER + 1);
    const blockBits = blockBytes * 8;
    if (oldCount >= 0) {
      writeDigits(data, oldBit, blockBits, oldDigits, oldCount);
      writeLength(data, oldLengthBit, oldCount);
    }
    if (newCount >= 0) {
      writeDigits(data, newBit, blockBits, newDigits, newCount);
      writeLength(data, newLengthBit, newCount);
    }
    return templateLength;
  }
  // Inserted PINs: template data [0, a) ‖ first PIN ‖ [a, b) ‖ second PIN ‖ [b, end).
  memory.copy(out, template, HEADER);
  const src = template + <usize>(HEADER + 1);
  let p = out + <usize>(HEADER + 1);
  let from = 0;
  const oldAt = oldBit >> 3;
  const newAt = newBit >> 3;
  // Equal places: the current PIN comes first.
  const oldFirst = oldCount >= 0 && (newCount < 0 || oldAt <= newAt);
  if (oldFirst) {
    p = copyData(p, src, from, oldAt);
    from = oldAt;
    p = insertPin(p, oldDigits, oldCount);
  }
  if (newCount >= 0) {
    p = copyData(p, src, from, newAt);
    from = newAt;
    p = insertPin(p, newDigits, newCount);
  }
  if (oldCount >= 0 && !oldFirst) {
    p = copyData(p, src, from, oldAt);
    from = oldAt;
    p = insertPin(p, oldDigits, oldCount);
  }
  p = copyData(p, src, from, dataLength);
  const lc = <i32>(p - out) - (HEADER + 1);
  store<u8>(out + <usize>HEADER, <u8>lc);
  return HEADER + 1 + lc;
}

function copyData(p: usize, src: usize, from: i32, to: i32): usize {
  if (to <= from) return p;
  memory.copy(p, src + <usize>from, <usize>(to - from));
  return p + <usize>(to - from);
}

/** An inserted PIN: exactly its bytes; an odd BCD digit count leaves one F nibble (cn). */
function insertPin(p: usize, digits: usize, count: i32): usize {
  const n = pinBytes(count);
  memory.fill(p, 0xff, <usize>n);
  writeDigits(p, 0, n * 8, digits, count);
  return p + <usize>n;
}

/** The digits justified in the block of `blockBits` bits at bit `start`; the rest untouched. */
function writeDigits(data: usize, start: i32, blockBits: i32, digits: usize, count: i32): void {
  let bit = rightJustified ? start + blockBits - count * digitBits : start;
  for (let i = 0; i < count; i++) {
    const d = <i32>load<u8>(digits + <usize>i);
    writeBits(data, bit, digitBits, format == PinFormat.Ascii ? 0x30 + d : d);
    bit += digitBits;
  }
}

function writeLength(data: usize, bit: i32, count: i32): void {
  if (lengthFieldBits > 0) writeBits(data, bit, lengthFieldBits, count);
}

/** `width` bits of `value`, most significant first, from bit `bit` on. */
function writeBits(data: usize, bit: i32, width: i32, value: i32): void {
  for (let i = 0; i < width; i++) {
    const b = bit + i;
    const p = data + <usize>(b >> 3);
    const mask = 0x80 >> (b & 7);
    const one = ((value >> (width - 1 - i)) & 1) != 0;
    const old = <i32>load<u8>(p);
    store<u8>(p, <u8>(one ? old | mask : old & ~mask));
  }
}

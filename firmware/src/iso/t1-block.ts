// T=1 blocks (ISO 7816-3 §11.3): prologue NAD PCB LEN, INF (0..254 bytes), epilogue EDC — one
// LRC byte, or a 2-byte CRC when the ATR's first TC for T=1 has b1 set.
import { T1_PROLOGUE_LENGTH } from './iso7816';

// PCB (§11.3.2.2).
export const PCB_R: i32 = 0x80;
export const PCB_S: i32 = 0xc0;
export const I_NS: i32 = 0x40;
export const I_MORE: i32 = 0x20;
export const R_NR: i32 = 0x10;
export const R_EDC_ERROR: i32 = 0x01;
export const R_OTHER_ERROR: i32 = 0x02;
export const S_RESPONSE: i32 = 0x20;
export const S_RESYNCH: i32 = 0x00;
export const S_IFS: i32 = 0x01;
export const S_ABORT: i32 = 0x02;
export const S_WTX: i32 = 0x03;

export enum BlockKind {
  I,
  R,
  S,
}

export function blockKind(pcb: i32): BlockKind {
  if ((pcb & 0x80) == 0) return BlockKind.I;
  return (pcb & 0x40) == 0 ? BlockKind.R : BlockKind.S;
}

export function edcLength(crc: bool): i32 {
  return crc ? 2 : 1;
}

/** LRC: XOR of every prologue and INF byte (§11.4.4.1). */
export function lrc(ptr: usize, len: i32): i32 {
  let x: i32 = 0;
  for (let i: i32 = 0; i < len; i++) x ^= <i32>load<u8>(ptr + <usize>i);
  return x;
}

/**
 * CRC (§11.4.4.2) as libccid computes it (openct checksum.c): CRC-16 with the reflected
 * polynomial 0x8408, initial value 0xFFFF, no final XOR, sent high byte first.
 */
export function crc16(ptr: usize, len: i32): i32 {
  let crc: i32 = 0xffff;
  for (let i: i32 = 0; i < len; i++) {
    crc ^= <i32>load<u8>(ptr + <usize>i);
    for (let bit = 0; bit < 8; bit++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x8408 : crc >> 1;
  }
  return crc;
}

/** Appends the EDC to the `len` bytes at `ptr`; returns the block length. */
export function appendEdc(ptr: usize, len: i32, crc: bool): i32 {
  if (crc) {
    const c = crc16(ptr, len);
    store<u8>(ptr + <usize>len, <u8>(c >> 8));
    store<u8>(ptr + <usize>len + 1, <u8>c);
    return len + 2;
  }
  store<u8>(ptr + <usize>len, <u8>lrc(ptr, len));
  return len + 1;
}

/** True if the block of `len` bytes at `ptr` ends with the right EDC. */
export function edcOk(ptr: usize, len: i32, crc: bool): bool {
  const body = len - edcLength(crc);
  if (body < T1_PROLOGUE_LENGTH) return false;
  if (crc) {
    const c = crc16(ptr, body);
    return (
      <i32>load<u8>(ptr + <usize>body) == c >> 8 &&
      <i32>load<u8>(ptr + <usize>body + 1) == (c & 0xff)
    );
  }
  return <i32>load<u8>(ptr + <usize>body) == lrc(ptr, body);
}

/** Builds NAD PCB LEN INF EDC at `out` (INF from `inf`, `len` bytes); returns the length. */
export function buildBlock(out: usize, nad: i32, pcb: i32, inf: usize, len: i32, crc: bool): i32 {
  store<u8>(out, <u8>nad);
  store<u8>(out + 1, <u8>pcb);
  store<u8>(out + 2, <u8>len);
  if (len > 0) memory.copy(out + T1_PROLOGUE_LENGTH, inf, <usize>len);
  return appendEdc(out, T1_PROLOGUE_LENGTH + len, crc);
}

/** The NAD a card answers with: source and destination swapped (§11.3.2.1). */
export function replyNad(nad: i32): i32 {
  return ((nad & 0x07) << 4) | ((nad >> 4) & 0x07);
}

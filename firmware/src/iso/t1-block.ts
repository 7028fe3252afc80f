// T=1 blocks (ISO 7816-3 §11.3): prologue NAD PCB LEN, INF (0..254 bytes), epilogue EDC — one
// LRC byte, or a 2-byte CRC when the ATR's first TC for T=1 has b1 set. The PCB bits, sizes and
// the EDC per byte are protocol/t1-constants.ts (the simulated card uses the same); here the EDC
// over a block in static memory, and building a block.
import {
  T1_PROLOGUE_LENGTH,
  T1_CRC_INITIAL,
  t1CrcUpdate,
  t1EdcLength,
} from '../../../protocol/t1-constants';
import { xorOf } from '../link/lrc';

/**
 * LRC: XOR of every prologue and INF byte (§11.4.4.1, protocol's t1LrcUpdate), the same fold
 * as the host link's LRC, eight bytes at a time (link/lrc.ts).
 */
export function lrc(ptr: usize, len: i32): i32 {
  return xorOf(ptr, len);
}

/** CRC (§11.4.4.2) as libccid computes it (t1CrcUpdate), sent high byte first. */
export function crc16(ptr: usize, len: i32): i32 {
  let crc: i32 = T1_CRC_INITIAL;
  for (let i: i32 = 0; i < len; i++) crc = t1CrcUpdate(crc, <i32>load<u8>(ptr + <usize>i));
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
  const body = len - t1EdcLength(crc);
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

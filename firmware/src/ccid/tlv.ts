// TLV lists of the native profile (DeviceInfo, Diagnostics): tag u8, length u8, value; numbers
// little-endian, text in ASCII. Each writer returns the bytes written.
import { writeU32LE } from './message';

export function tlvU32(out: usize, tag: i32, value: u32): i32 {
  store<u8>(out, <u8>tag);
  store<u8>(out, 4, 1);
  writeU32LE(out + 2, value);
  return 6;
}

/** u8 slot + u32 count: a per-slot Diagnostics counter. */
export function tlvSlotU32(out: usize, tag: i32, slot: i32, value: u32): i32 {
  store<u8>(out, <u8>tag);
  store<u8>(out, 5, 1);
  store<u8>(out, <u8>slot, 2);
  writeU32LE(out + 3, value);
  return 7;
}

/** A text value from a static string (ASCII; at most 255 characters). */
export function tlvText(out: usize, tag: i32, text: string): i32 {
  const n = text.length > 255 ? 255 : text.length;
  store<u8>(out, <u8>tag);
  store<u8>(out, <u8>n, 1);
  for (let i = 0; i < n; i++) store<u8>(out + 2 + <usize>i, <u8>text.charCodeAt(i));
  return 2 + n;
}

/** A text value already in memory. */
export function tlvBytes(out: usize, tag: i32, ptr: usize, len: i32): i32 {
  const n = len < 0 ? 0 : len > 255 ? 255 : len;
  store<u8>(out, <u8>tag);
  store<u8>(out, <u8>n, 1);
  memory.copy(out + 2, ptr, <usize>n);
  return 2 + n;
}

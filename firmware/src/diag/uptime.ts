// Seconds since boot for DeviceInfo and Diagnostics. now_ms is a millisecond counter that wraps
// after 2^31 ms (HAL.md): from 2^31 − 1 on to −2^31, i.e. a 32-bit counter read as i32. The
// elapsed time is accumulated from differences taken as u32, which are right across the wrap for
// any gap below 2^32 ms (49.7 days) between two touches — a signed difference would read a gap
// over 2^31 ms (24.8 days) as negative and lose it. The host link touches it on every frame,
// main.ts on every timer and card movement.
//
// Not a periodic timer of its own: a timer always armed would keep the simulator's fast mode
// from ever waiting for input (it would jump to the next expiry instead).
import { now_ms } from '../hal';

let lastMs: i32 = 0;
let seconds: u32 = 0;
let remainderMs: u32 = 0;

export function uptimeInit(): void {
  lastMs = now_ms();
  seconds = 0;
  remainderMs = 0;
}

export function uptimeTouch(): void {
  const now = now_ms();
  const delta = <u32>(now - lastMs); // modulo 2^32: the wrap cancels out
  lastMs = now;
  remainderMs += delta % 1000;
  seconds += delta / 1000 + remainderMs / 1000;
  remainderMs %= 1000;
}

export function uptimeSeconds(): u32 {
  uptimeTouch();
  return seconds;
}

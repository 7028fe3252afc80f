// Seconds since boot for DeviceInfo and Diagnostics. now_ms wraps after 2^31 ms (HAL.md), so
// the elapsed time is accumulated from differences, which i32 arithmetic keeps right across one
// wrap; the host link touches it on every frame, far more often than every 24 days.
import { now_ms } from '../hal';

let lastMs: i32 = 0;
let seconds: u32 = 0;
let remainderMs: i32 = 0;

export function uptimeInit(): void {
  lastMs = now_ms();
  seconds = 0;
  remainderMs = 0;
}

export function uptimeTouch(): void {
  const now = now_ms();
  const delta = now - lastMs;
  lastMs = now;
  if (delta <= 0) return;
  remainderMs += delta % 1000;
  seconds += <u32>(delta / 1000) + <u32>(remainderMs / 1000);
  remainderMs %= 1000;
}

export function uptimeSeconds(): u32 {
  uptimeTouch();
  return seconds;
}

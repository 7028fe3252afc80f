// Log lines from static ASCII text and numbers, without allocating (HAL log import).
import { log } from '../hal';

const LINE_CAPACITY: i32 = 128;
const line = memory.data(LINE_CAPACITY);
let length: i32 = 0;

function put(c: i32): void {
  if (length >= LINE_CAPACITY) return;
  store<u8>(line + <usize>length, <u8>c);
  length++;
}

export function logStart(text: string): void {
  length = 0;
  logAppend(text);
}

export function logAppend(text: string): void {
  for (let i = 0; i < text.length; i++) put(text.charCodeAt(i));
}

export function logNumber(n: u32): void {
  let started = false;
  for (let div: u32 = 1000000000; div > 0; div /= 10) {
    const d = (n / div) % 10;
    if (d != 0 || started || div == 1) {
      started = true;
      put(<i32>(0x30 + d));
    }
  }
}

export function logSend(level: i32): void {
  log(level, line, length);
}

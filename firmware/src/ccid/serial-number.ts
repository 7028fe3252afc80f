// The reader's serial number as HELLO and DeviceInfo report it: the one provisioning stored in the
// configuration area (ConfigWrite, ConfigTag.SerialNumber), or else the MCU's unique id in
// upper-case hex.
import { device_uid } from '../hal';
import { configSerialNumber, SERIAL_NUMBER_MAX } from '../config/index';

const UID_CAPACITY: i32 = 16;
const uid = memory.data(16);
/** Longest serial number text: a provisioned one, or the UID in hex. */
export const SERIAL_NUMBER_CAPACITY: i32 =
  SERIAL_NUMBER_MAX > 2 * UID_CAPACITY ? SERIAL_NUMBER_MAX : 2 * UID_CAPACITY;

/** Writes the serial number's ASCII bytes at `out`; returns how many. */
export function serialNumber(out: usize): i32 {
  const provisioned = configSerialNumber(out);
  if (provisioned > 0) return provisioned;
  let n = device_uid(uid, UID_CAPACITY);
  if (n < 0) n = 0;
  if (n > UID_CAPACITY) n = UID_CAPACITY;
  for (let i = 0; i < n; i++) {
    const b = <i32>load<u8>(uid + <usize>i);
    store<u8>(out + <usize>(2 * i), hexDigit(b >> 4));
    store<u8>(out + <usize>(2 * i + 1), hexDigit(b & 0x0f));
  }
  return 2 * n;
}

function hexDigit(v: i32): u8 {
  return <u8>(v < 10 ? 0x30 + v : 0x41 + v - 10);
}

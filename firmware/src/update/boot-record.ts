// The boot record the boot stage leaves in the window (firmware/FLASH.md "Boot record"; layout
// in protocol/image/flash-map.ts), read once at init.
import { flash_read } from '../hal';
import {
  BOOT_RECORD_LAYOUT,
  BOOT_RECORD_MAGIC,
  BOOT_RECORD_SIZE,
  BR_CRC,
  BR_IMAGE_FLAGS,
  BR_IMAGE_SECURITY_COUNTER,
  BR_LAYOUT,
  BR_MAGIC,
  BR_OUTCOME,
  BR_REASON,
  BR_STORED_SECURITY_COUNTER,
  BR_VERSION_MAJOR,
  BR_VERSION_MINOR,
  BR_VERSION_REVISION,
  BootOutcome,
  WINDOW_BOOT_RECORD,
} from '../../../protocol/image/flash-map';
import { FIRMWARE_MAJOR, FIRMWARE_MINOR, FIRMWARE_PATCH } from '../version';
import { crc32 } from './crc32';

const record = memory.data(BOOT_RECORD_SIZE);
let valid = false;

export function bootRecordLoad(): void {
  valid =
    flash_read(WINDOW_BOOT_RECORD, record, BOOT_RECORD_SIZE) == 0 &&
    load<u32>(record + BR_MAGIC) == <u32>BOOT_RECORD_MAGIC &&
    <i32>load<u8>(record + BR_LAYOUT) == BOOT_RECORD_LAYOUT &&
    load<u32>(record + BR_CRC) == crc32(record, BR_CRC);
}

export function bootRecordValid(): bool {
  return valid;
}

export function bootOutcome(): i32 {
  return valid ? <i32>load<u8>(record + BR_OUTCOME) : BootOutcome.None;
}

/** The ImageCheck of a refused update. */
export function bootReason(): i32 {
  return valid ? <i32>load<u8>(record + BR_REASON) : 0;
}

export function bootImageFlags(): u32 {
  return valid ? load<u32>(record + BR_IMAGE_FLAGS) : 0;
}

export function bootImageSecurityCounter(): u32 {
  return valid ? load<u32>(record + BR_IMAGE_SECURITY_COUNTER) : 0;
}

/** The boot stage's rollback floor: images below it are refused. */
export function bootStoredSecurityCounter(): u32 {
  return valid ? load<u32>(record + BR_STORED_SECURITY_COUNTER) : 0;
}

/** The running version: the signed header's, as the boot stage saw it; else this build's. */
export function runningMajor(): i32 {
  return valid ? <i32>load<u8>(record + BR_VERSION_MAJOR) : FIRMWARE_MAJOR;
}

export function runningMinor(): i32 {
  return valid ? <i32>load<u8>(record + BR_VERSION_MINOR) : FIRMWARE_MINOR;
}

export function runningRevision(): i32 {
  return valid ? <i32>load<u16>(record + BR_VERSION_REVISION) : FIRMWARE_PATCH;
}

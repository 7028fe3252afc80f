// The boot stage's facts that DeviceInfo reports (protocol/native-constants.ts DeviceInfoTag):
// SecurityCounter (u32 LE, the stored rollback floor) and LastUpdate (u8 BootOutcome, u8
// ImageCheck), as TLVs. Only from a valid boot record: without one the reader cannot know them,
// and it says nothing rather than a guess (firmware/FLASH.md "Boot record").
import { DeviceInfoTag } from '../../../protocol/native-constants';
import { bootRecordValid, bootStoredSecurityCounter, bootOutcome, bootReason } from './boot-record';

/** Bytes bootInfoTlvs writes at most. */
export const BOOT_INFO_TLVS_CAPACITY: i32 = 2 + 4 + 2 + 2;

/** Writes the TLVs at `out`; returns their length (0 without a valid boot record). */
export function bootInfoTlvs(out: usize): i32 {
  if (!bootRecordValid()) return 0;
  const counter = bootStoredSecurityCounter();
  store<u8>(out, <u8>DeviceInfoTag.SecurityCounter);
  store<u8>(out, 4, 1);
  store<u8>(out, <u8>(counter & 0xff), 2);
  store<u8>(out, <u8>((counter >>> 8) & 0xff), 3);
  store<u8>(out, <u8>((counter >>> 16) & 0xff), 4);
  store<u8>(out, <u8>(counter >>> 24), 5);
  store<u8>(out, <u8>DeviceInfoTag.LastUpdate, 6);
  store<u8>(out, 2, 7);
  store<u8>(out, <u8>bootOutcome(), 8);
  store<u8>(out, <u8>bootReason(), 9);
  return BOOT_INFO_TLVS_CAPACITY;
}

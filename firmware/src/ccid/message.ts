// The 10-byte CCID bulk message header (iso7816-and-ccid.md §B1): bMessageType, dwLength (u32 LE,
// abData only), bSlot, bSeq, then 3 message-specific bytes; in RDR_to_PC messages those are
// bStatus, bError and one specific byte. bError 0x01..0x7F names the offending byte by its offset.

export const OFFSET_TYPE: i32 = 0;
export const OFFSET_LENGTH: i32 = 1;
export const OFFSET_SLOT: i32 = 5;
export const OFFSET_SEQ: i32 = 6;
/** First specific byte: bPowerSelect, bBWI, bProtocolNum, bClockCommand, bmChanges, bFunction. */
export const OFFSET_SPECIFIC: i32 = 7;
/** XfrBlock wLevelParameter (u16 LE at offsets 8-9). */
export const OFFSET_LEVEL: i32 = 8;
/** RDR_to_PC bStatus, bError, and the last specific byte (bChainParameter, bClockStatus, …). */
export const OFFSET_STATUS: i32 = 7;
export const OFFSET_ERROR: i32 = 8;
export const OFFSET_ANSWER_SPECIFIC: i32 = 9;

export function writeU16LE(ptr: usize, value: i32): void {
  store<u8>(ptr, <u8>(value & 0xff));
  store<u8>(ptr, <u8>((value >>> 8) & 0xff), 1);
}

export function writeU32LE(ptr: usize, value: u32): void {
  store<u8>(ptr, <u8>(value & 0xff));
  store<u8>(ptr, <u8>((value >>> 8) & 0xff), 1);
  store<u8>(ptr, <u8>((value >>> 16) & 0xff), 2);
  store<u8>(ptr, <u8>((value >>> 24) & 0xff), 3);
}

export function readU32LE(ptr: usize): u32 {
  return (
    (<u32>load<u8>(ptr)) |
    ((<u32>load<u8>(ptr, 1)) << 8) |
    ((<u32>load<u8>(ptr, 2)) << 16) |
    ((<u32>load<u8>(ptr, 3)) << 24)
  );
}

export function byteAt(ptr: usize, offset: i32): i32 {
  return <i32>load<u8>(ptr + <usize>offset);
}

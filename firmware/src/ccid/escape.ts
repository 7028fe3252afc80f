// PC_to_RDR_Escape: the escapes libccid's serial driver sends at start-up (ccid-over-serial §8),
// and our vendor escapes (protocol/native-constants.ts), which begin with the magic 4B 52.
import { CcidError } from '../../../protocol/ccid-constants';
import { VENDOR_MAGIC_0, VENDOR_MAGIC_1 } from '../../../protocol/native-constants';
import { FIRMWARE_NAME } from '../version';
import { answerData } from './reply';
import { vendorEscape } from './vendor-escape';

/** libccid's Gemalto escape codes (ccid-over-serial §8, §10.4). */
const GET_FIRMWARE: i32 = 0x02;
const CARD_MOVEMENT_MODE: i32 = 0x01; // 01 01 01: synchronous card-movement notification
const GET_FIRMWARE_FEATURES: i32 = 0x6a;
const KEY_APDU_MODE: i32 = 0x1f; // 1F 02 with GEMPC_TWIN_KEY_APDU
const LCD_STRINGS_0: i32 = 0xb2; // B2 A0 00 4D 4C + 10 × 16 bytes (GemPCPinPad)
const LCD_STRINGS_1: i32 = 0xa0;

/** An escape's result: >= 0 is success with that many bytes at answerData(); else a failure. */
export function escapeFailed(error: i32): i32 {
  return -1 - error;
}

/** bError of a failed result. */
export function escapeError(result: i32): i32 {
  return -1 - result;
}

export function handleEscape(slot: i32, ptr: usize, len: i32): i32 {
  if (len <= 0) return escapeFailed(CcidError.CmdNotSupported);
  const b0 = <i32>load<u8>(ptr);
  const b1 = len > 1 ? <i32>load<u8>(ptr, 1) : -1;
  if (len >= 2 && b0 == VENDOR_MAGIC_0 && b1 == VENDOR_MAGIC_1) return vendorEscape(slot, ptr, len);
  if (len == 1 && b0 == GET_FIRMWARE) return firmwareString();
  if (len == 3 && b0 == CARD_MOVEMENT_MODE && b1 == 0x01 && load<u8>(ptr, 2) == 0x01) return 0;
  // Observed answer to 6A: failed, CMD_NOT_SUPPORTED; libccid accepts it (§8 step 6).
  if (len == 1 && b0 == GET_FIRMWARE_FEATURES) return escapeFailed(CcidError.CmdNotSupported);
  if (len == 2 && b0 == KEY_APDU_MODE && b1 == 0x02) return 0;
  // GemPCPinPad's LCD strings must succeed or libccid fails the reader (§10.4).
  if (len >= 2 && b0 == LCD_STRINGS_0 && b1 == LCD_STRINGS_1) return 0;
  return escapeFailed(CcidError.CmdNotSupported);
}

function firmwareString(): i32 {
  const out = answerData();
  const n = FIRMWARE_NAME.length;
  for (let i = 0; i < n; i++) store<u8>(out + <usize>i, <u8>FIRMWARE_NAME.charCodeAt(i));
  return n;
}

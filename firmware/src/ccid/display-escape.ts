// The display and the beeper for the host (VendorCommand.DisplayClear, DisplayText, Beep;
// protocol/PROTOCOL.md §6). The host may show text and beep only while no secure PIN entry is
// active: during one (keys being read, or the PIN on its way to the card) the display and the
// beeper belong to the PIN pad and each of these answers Busy. And the host can never show the
// secure-entry indicator (SECURE_ENTRY_CODEPOINT, U+1F512) nor another lock symbol that passes
// for it, so that the holder can trust the indicator: text with one answers NotAllowed. Text is
// checked as strict UTF-8 first (no overlong forms, no surrogates — a display that decoded
// U+D83D U+DD12 leniently would draw the lock), without control characters.
import { display_clear, display_text, beep } from '../hal';
import { DISPLAY_ROWS, DISPLAY_COLUMNS, SECURE_ENTRY_CODEPOINT } from '../../hal-constants';
import {
  VendorStatus,
  DISPLAY_TEXT_MAX_BYTES,
  BEEP_MIN_HZ,
  BEEP_MAX_HZ,
  BEEP_MAX_MS,
} from '../../../protocol/native-constants';
import { configBeeper } from '../config/index';
import { pinActive } from '../pin/pin-pad';

/**
 * Lock symbols that pass for the indicator: U+1F50F 🔏, U+1F510 🔐, U+1F512 🔒, U+1F513 🔓 (not
 * U+1F511 🔑, a key, which sits among them).
 */
const LOOKALIKE_FIRST: i32 = 0x1f50f;
const LOOKALIKE_LAST: i32 = 0x1f513;
const KEY_SYMBOL: i32 = 0x1f511;

/** DisplayClear: empty request. */
export function displayClearEscape(payloadLength: i32): i32 {
  if (payloadLength != 0) return VendorStatus.BadLength;
  if (pinActive()) return VendorStatus.Busy;
  display_clear();
  return VendorStatus.Ok;
}

/** DisplayText: u8 row, u8 column, UTF-8 text (cut at the end of the row by the display). */
export function displayTextEscape(payload: usize, payloadLength: i32): i32 {
  if (payloadLength < 2 || payloadLength - 2 > DISPLAY_TEXT_MAX_BYTES)
    return VendorStatus.BadLength;
  if (pinActive()) return VendorStatus.Busy;
  const row = <i32>load<u8>(payload);
  const column = <i32>load<u8>(payload, 1);
  if (row >= DISPLAY_ROWS || column >= DISPLAY_COLUMNS) return VendorStatus.BadParameter;
  const text = payload + 2;
  const n = payloadLength - 2;
  const status = checkText(text, n);
  if (status != VendorStatus.Ok) return status;
  display_text(row, column, text, n);
  return VendorStatus.Ok;
}

/** Beep: u16 LE frequency (Hz), u16 LE duration (ms). */
export function beepEscape(payload: usize, payloadLength: i32): i32 {
  if (payloadLength != 4) return VendorStatus.BadLength;
  if (pinActive()) return VendorStatus.Busy;
  const hz = (<i32>load<u8>(payload)) | ((<i32>load<u8>(payload, 1)) << 8);
  const ms = (<i32>load<u8>(payload, 2)) | ((<i32>load<u8>(payload, 3)) << 8);
  if (hz < BEEP_MIN_HZ || hz > BEEP_MAX_HZ || ms < 1 || ms > BEEP_MAX_MS)
    return VendorStatus.BadParameter;
  // Switched off on the production line (ConfigTag.Beeper): the kiosk stays silent.
  if (!configBeeper()) return VendorStatus.NotAllowed;
  beep(hz, ms);
  return VendorStatus.Ok;
}

/**
 * VendorStatus.Ok for strict UTF-8 without control characters or lock symbols; BadParameter for
 * malformed UTF-8 or a control character; NotAllowed for a lock symbol.
 */
function checkText(ptr: usize, len: i32): i32 {
  let i = 0;
  while (i < len) {
    const b0 = <i32>load<u8>(ptr + <usize>i);
    let n = 1;
    let c = b0;
    if (b0 >= 0xc2 && b0 <= 0xdf) {
      n = 2;
      c = b0 & 0x1f;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      n = 3;
      c = b0 & 0x0f;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      n = 4;
      c = b0 & 0x07;
    } else if (b0 >= 0x80) {
      return VendorStatus.BadParameter; // a continuation byte, C0/C1 (overlong) or F5..FF
    }
    if (i + n > len) return VendorStatus.BadParameter;
    for (let k = 1; k < n; k++) {
      const b = <i32>load<u8>(ptr + <usize>(i + k));
      if ((b & 0xc0) != 0x80) return VendorStatus.BadParameter;
      c = (c << 6) | (b & 0x3f);
    }
    if (n == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) return VendorStatus.BadParameter;
    if (n == 4 && (c < 0x10000 || c > 0x10ffff)) return VendorStatus.BadParameter;
    if (c < 0x20 || (c >= 0x7f && c < 0xa0)) return VendorStatus.BadParameter;
    if (
      c == SECURE_ENTRY_CODEPOINT ||
      (c >= LOOKALIKE_FIRST && c <= LOOKALIKE_LAST && c != KEY_SYMBOL)
    )
      return VendorStatus.NotAllowed;
    i += n;
  }
  return VendorStatus.Ok;
}

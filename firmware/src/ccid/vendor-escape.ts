// Vendor escapes of the native profile (protocol/native-constants.ts, protocol/PROTOCOL.md):
// request `4B 52 cmd payload`, response `4B 52 cmd status payload` in an RDR_to_PC_Escape with
// CCID bStatus Ok. Commands of later issues answer UnknownCommand until they exist.
import { CcidError } from '../../../protocol/ccid-constants';
import {
  VENDOR_MAGIC_0,
  VENDOR_MAGIC_1,
  VENDOR_REQUEST_HEADER,
  VENDOR_RESPONSE_HEADER,
  NATIVE_PROTOCOL_VERSION,
  VendorCommand,
  VendorStatus,
  Profile,
  SlotKind,
  ReaderFeature,
  KEYPAD_PIN_ENTRY_ACTIVE,
} from '../../../protocol/native-constants';
import { NATIVE_MAX_MESSAGE_LENGTH, MAX_APDU_DATA } from '../../../protocol/serial-constants';
import { SLOT_COUNT, USER_SLOT, DISPLAY_ROWS, DISPLAY_COLUMNS } from '../../hal-constants';
import { slotPowerOff } from './slot-ops';
import { FIRMWARE_MAJOR, FIRMWARE_MINOR, FIRMWARE_PATCH } from '../version';
import { serialNumber } from './serial-number';
import { deviceInfo } from './device-info';
import { diagnostics, diagnosticsReset } from './diagnostics';
import { displayClearEscape, displayTextEscape, beepEscape } from './display-escape';
import { answerData } from './reply';
import { writeU16LE, writeU32LE } from './message';
import { currentProfile, setProfile } from './profile';
import { slotBusy } from './slot-command';
import { chainReset } from './xfr-chain';
import { updateEscape, escapeStatus, escapePayloadLength } from '../update/index';
import { configEscape } from '../config/index';
import { CCID_HEADER_LENGTH } from '../../../protocol/ccid-constants';

import { keypadTake } from '../pin/keypad-latch';
import { pinActive } from '../pin/pin-pad';

/** Room for a vendor reply's payload in the answer message. */
const VENDOR_REPLY_CAPACITY: i32 =
  NATIVE_MAX_MESSAGE_LENGTH - CCID_HEADER_LENGTH - VENDOR_RESPONSE_HEADER;

/** What this firmware implements today (ReaderFeature bits reported by HELLO). */
const FEATURES: u32 =
  ReaderFeature.PinVerify |
  ReaderFeature.PinModify |
  ReaderFeature.Display |
  ReaderFeature.Beeper |
  ReaderFeature.Keypad |
  ReaderFeature.ExtendedApdu |
  ReaderFeature.PushedSlotChange |
  ReaderFeature.Diagnostics |
  ReaderFeature.FirmwareUpdate;

/** Returns the response length at answerData(), or a negative escape failure (escape.ts). */
export function vendorEscape(slot: i32, ptr: usize, len: i32): i32 {
  // Without a command byte there is nothing to answer in our format.
  if (len < VENDOR_REQUEST_HEADER) return -1 - CcidError.CmdNotSupported;
  const command = <i32>load<u8>(ptr, 2);
  const payload = ptr + <usize>VENDOR_REQUEST_HEADER;
  const payloadLength = len - VENDOR_REQUEST_HEADER;
  const out = answerData();
  store<u8>(out, VENDOR_MAGIC_0);
  store<u8>(out, VENDOR_MAGIC_1, 1);
  store<u8>(out, <u8>command, 2);
  const body = out + <usize>VENDOR_RESPONSE_HEADER;
  let status: i32 = VendorStatus.Ok;
  let n: i32 = 0;
  switch (command) {
    case VendorCommand.Hello: {
      if (payloadLength > 1) status = VendorStatus.BadLength;
      else n = hello(body);
      break;
    }
    case VendorCommand.SetProfile: {
      if (payloadLength != 1) status = VendorStatus.BadLength;
      else status = switchProfile(<i32>load<u8>(payload));
      store<u8>(body, <u8>currentProfile());
      n = 1;
      break;
    }
    case VendorCommand.DeviceInfo: {
      if (payloadLength != 0) status = VendorStatus.BadLength;
      else n = deviceInfo(body);
      break;
    }
    case VendorCommand.Diagnostics: {
      if (payloadLength != 0) status = VendorStatus.BadLength;
      else n = diagnostics(body);
      break;
    }
    case VendorCommand.DiagnosticsReset: {
      if (payloadLength != 0) status = VendorStatus.BadLength;
      else diagnosticsReset();
      break;
    }
    case VendorCommand.DisplayClear: {
      status = displayClearEscape(payloadLength);
      break;
    }
    case VendorCommand.DisplayText: {
      status = displayTextEscape(payload, payloadLength);
      break;
    }
    case VendorCommand.Beep: {
      status = beepEscape(payload, payloadLength);
      break;
    }
    case VendorCommand.KeypadState: {
      if (payloadLength != 0) status = VendorStatus.BadLength;
      else n = keypadState(body);
      break;
    }
    case VendorCommand.UpdateBegin:
    case VendorCommand.UpdateWrite:
    case VendorCommand.UpdateFinish:
    case VendorCommand.UpdateStatus:
    case VendorCommand.UpdateAbort:
    case VendorCommand.Reboot: {
      const r = updateEscape(command, payload, payloadLength, body, VENDOR_REPLY_CAPACITY);
      status = escapeStatus(r);
      n = status == VendorStatus.Ok ? escapePayloadLength(r) : 0;
      break;
    }
    case VendorCommand.ConfigRead:
    case VendorCommand.ConfigWrite: {
      const r = configEscape(command, payload, payloadLength, body, VENDOR_REPLY_CAPACITY);
      status = escapeStatus(r);
      n = status == VendorStatus.Ok ? escapePayloadLength(r) : 0;
      break;
    }
    default:
      status = VendorStatus.UnknownCommand;
  }
  store<u8>(out, <u8>status, 3);
  // PROTOCOL.md §6: a payload only when the status is Ok.
  return VENDOR_RESPONSE_HEADER + (status == VendorStatus.Ok ? n : 0);
}

/** HELLO's fixed layout (the brief of issue 4 §5 and PROTOCOL.md). */
function hello(out: usize): i32 {
  let p = out;
  store<u8>(p++, <u8>NATIVE_PROTOCOL_VERSION);
  store<u8>(p++, <u8>currentProfile());
  store<u8>(p++, <u8>FIRMWARE_MAJOR);
  store<u8>(p++, <u8>FIRMWARE_MINOR);
  writeU16LE(p, FIRMWARE_PATCH);
  p += 2;
  writeU32LE(p, FEATURES);
  p += 4;
  writeU32LE(p, <u32>NATIVE_MAX_MESSAGE_LENGTH);
  p += 4;
  writeU16LE(p, MAX_APDU_DATA);
  p += 2;
  store<u8>(p++, <u8>DISPLAY_ROWS);
  store<u8>(p++, <u8>DISPLAY_COLUMNS);
  store<u8>(p++, <u8>SLOT_COUNT);
  for (let s = 0; s < SLOT_COUNT; s++)
    store<u8>(p++, <u8>(s == USER_SLOT ? SlotKind.User : SlotKind.Sam));
  p += serialNumberField(p);
  return <i32>(p - out);
}

/** u16 LE FunctionKey bits pressed since the last call, u8 flags. Never a digit. */
function keypadState(out: usize): i32 {
  writeU16LE(out, keypadTake());
  store<u8>(out, <u8>(pinActive() ? KEYPAD_PIN_ENTRY_ACTIVE : 0), 2);
  return 3;
}

/** u8 length, then the serial number in ASCII. */
function serialNumberField(out: usize): i32 {
  const n = serialNumber(out + 1);
  store<u8>(out, <u8>n);
  return 1 + n;
}

/**
 * Changes the profile. A change deactivates every card: the exchange level changes with it
 * (TPDU ↔ APDU) and the T=1 state the host kept at TPDU level means nothing at APDU level.
 */
function switchProfile(requested: i32): i32 {
  if (requested != Profile.Compat && requested != Profile.Native) return VendorStatus.BadParameter;
  for (let s = 0; s < SLOT_COUNT; s++) if (slotBusy(s)) return VendorStatus.Busy;
  if (requested == currentProfile()) return VendorStatus.Ok;
  for (let s = 0; s < SLOT_COUNT; s++) {
    chainReset(s);
    slotPowerOff(s);
  }
  setProfile(requested);
  return VendorStatus.Ok;
}

// Our native profile: vendor escapes carried in PC_to_RDR_Escape / RDR_to_PC_Escape.
// Every vendor escape starts with the two magic bytes 'K' 'R' (0x4B 0x52), which no escape that
// libccid sends begins with (02, 01 01 01, 1F 02, B2 A0 …, 6A, 06, 01 10 20).
// Request abData:  4B 52 <command> <payload…>
// Response abData: 4B 52 <command> <VendorStatus> <payload…>   (CCID bStatus Ok)
// An Escape without the magic that is not one of libccid's gets bStatus Failed, bError
// CmdNotSupported. Layouts of every payload: protocol/PROTOCOL.md. Portable subset.

export const VENDOR_MAGIC_0 = 0x4b;
export const VENDOR_MAGIC_1 = 0x52;
/** Bytes before the payload in a vendor request: magic (2) + command (1). */
export const VENDOR_REQUEST_HEADER = 3;
/** Bytes before the payload in a vendor response: magic (2) + command (1) + status (1). */
export const VENDOR_RESPONSE_HEADER = 4;
/** Version of the native profile that HELLO reports. */
export const NATIVE_PROTOCOL_VERSION = 1;

export enum VendorCommand {
  /** Capabilities: profile, firmware version, serial number, slots, sizes, features. */
  Hello = 0x01,
  /** Switch profile (compat ↔ native). */
  SetProfile = 0x02,
  /** Device information as TLVs. */
  DeviceInfo = 0x03,
  /** Display: clear / write text. */
  DisplayClear = 0x10,
  DisplayText = 0x11,
  /** Beeper. */
  Beep = 0x12,
  /** Read the keypad's function keys (never digits). */
  KeypadState = 0x13,
  /** Firmware update agent (issue 8). */
  UpdateBegin = 0x20,
  UpdateWrite = 0x21,
  UpdateFinish = 0x22,
  UpdateStatus = 0x23,
  UpdateAbort = 0x24,
  Reboot = 0x25,
  /** Configuration area (provisioning, issue 8). */
  ConfigRead = 0x30,
  ConfigWrite = 0x31,
  /** Diagnostics counters. */
  Diagnostics = 0x40,
  DiagnosticsReset = 0x41,
  /** Reserved for the PIN-entry progress carried in time-extension DataBlocks (issue 6). */
  PinProgress = 0x60,
}

export enum VendorStatus {
  Ok = 0x00,
  UnknownCommand = 0x01,
  BadLength = 0x02,
  BadParameter = 0x03,
  Busy = 0x04,
  NotAllowed = 0x05,
  StorageError = 0x06,
  ChecksumError = 0x07,
  BadImage = 0x08,
  BadState = 0x09,
}

/** SetProfile payload and Hello's profile byte. */
export enum Profile {
  /** Default after power-on: echo, TPDU level, polled slot status (stock pcscd + libccid). */
  Compat = 0,
  /** No echo, short and extended APDU level, pushed NotifySlotChange, vendor escapes. */
  Native = 1,
}

/** Hello's slot kind byte, one per slot. */
export enum SlotKind {
  /** User card, with a presence switch. */
  User = 0,
  /** SAM socket (PSAM). */
  Sam = 1,
}

/** Hello's features bitmask (u32 LE). */
export enum ReaderFeature {
  PinVerify = 0x0001,
  PinModify = 0x0002,
  Display = 0x0004,
  Beeper = 0x0008,
  FirmwareUpdate = 0x0010,
  ExtendedApdu = 0x0020,
  PushedSlotChange = 0x0040,
  Keypad = 0x0080,
  Diagnostics = 0x0100,
}

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

/** Size of the SHA-256 digest in UpdateBegin. */
export const SHA256_LENGTH = 32;
/** Largest value of one TLV (DeviceInfo, ConfigRead/Write, Diagnostics): its length is one byte. */
export const TLV_MAX_VALUE_LENGTH = 255;

/** DeviceInfo TLV tags. Text values are UTF-8 (ASCII in practice); numbers are little-endian. */
export enum DeviceInfoTag {
  /** Text: the serial number (as in HELLO). */
  SerialNumber = 0x01,
  /** Text: the product model. */
  Model = 0x02,
  /** Text: hardware revision. */
  HardwareRevision = 0x03,
  /** Text: firmware version, e.g. "1.2.3+g1a2b3c4". */
  FirmwareVersion = 0x04,
  /** u32: number of boots since manufacture. */
  BootCount = 0x05,
  /** u32: seconds since this boot. */
  Uptime = 0x06,
  /** u16: LANGID of the display language (0x0804 Chinese (PRC), 0x0409 English). */
  Language = 0x07,
  /** Text: manufacturer. */
  Manufacturer = 0x08,
  /** Text: version of the native boot code that checks and starts images. */
  BootloaderVersion = 0x09,
  /**
   * u32: the security counter the boot stage stores (its rollback floor): an image signed with a
   * lower counter is refused (protocol/image/IMAGE.md, firmware/FLASH.md "Boot record").
   */
  SecurityCounter = 0x0a,
  /**
   * u8 outcome, u8 reason: how the last update ended (BootOutcome, protocol/image/flash-map.ts)
   * and, when the boot stage refused the image, why (ImageCheck; 0 otherwise).
   */
  LastUpdate = 0x0b,
}

/** ConfigRead / ConfigWrite TLV tags (the provisioning area, issue 8). */
export enum ConfigTag {
  /** Text, 1..32 bytes: the serial number written on the production line. */
  SerialNumber = 0x01,
  /** u16: LANGID of the display language. */
  Language = 0x02,
  /** u8: beeper 0 off, 1 on. */
  Beeper = 0x03,
  /** u8: PIN entry timeout in seconds, used when a Secure command's bTimeOut is 0. */
  PinTimeout = 0x04,
  /** u16: milliseconds between time-extension answers during long card operations. */
  TimeExtensionInterval = 0x05,
  /**
   * u16: seconds one card exchange may take in all, however often the card asks for more time
   * (T=0 NULL, T=1 S(WTX)); then ICC_MUTE and the card is deactivated. EXCHANGE_LIMIT_MIN_S to
   * EXCHANGE_LIMIT_MAX_S, EXCHANGE_LIMIT_DEFAULT_S until provisioned.
   */
  ExchangeLimit = 0x06,
}

/**
 * The whole-exchange limit (ConfigTag.ExchangeLimit) until provisioned, seconds. ISO 7816-3 bounds
 * each wait (WWT, BWT) but not their sum: a card may send NULL or S(WTX) for ever. 60 s is above
 * the longest BWT a T=1 card may declare (BWI 9: 45.7 s at 4 MHz) and the WWT of WI 255 up to
 * Fi 744 (45.5 s), so a card that keeps to its ATR's timing without asking for more is not cut
 * short, and far above what the cards in scope need (the kiosk cards and PSAMs answer every
 * command in well under a second; their WWT at WI 10 is 0.7 s).
 */
export const EXCHANGE_LIMIT_DEFAULT_S = 60;
export const EXCHANGE_LIMIT_MIN_S = 5;
export const EXCHANGE_LIMIT_MAX_S = 600;

/**
 * Diagnostics TLV tags. Tags below DIAGNOSTICS_GLOBAL_TAG_MIN count per slot: value = u8 slot,
 * u32 count (one TLV per slot). The others are reader-wide: value = u32. Counters wrap at 2^32.
 */
export enum DiagnosticsTag {
  SlotParityErrors = 0x01,
  SlotTimeouts = 0x02,
  SlotWarmResets = 0x03,
  SlotT1Retransmissions = 0x04,
  SlotT1Resynchs = 0x05,
  SlotActivations = 0x06,
  HostFramesReceived = 0x20,
  HostFrameErrors = 0x21,
  HostNaksSent = 0x22,
  HostGarbageBytes = 0x23,
  /** Seconds since boot. */
  Uptime = 0x24,
}
export const DIAGNOSTICS_GLOBAL_TAG_MIN = 0x20;

/**
 * DisplayText: at most this many bytes of UTF-8 after row and column (a row has 16 cells; a
 * character takes at most 4 bytes). Longer text answers BadLength.
 */
export const DISPLAY_TEXT_MAX_BYTES = 64;
/** Beep: the frequency range in Hz and the longest tone in ms; outside them BadParameter. */
export const BEEP_MIN_HZ = 20;
export const BEEP_MAX_HZ = 20000;
export const BEEP_MAX_MS = 5000;

/** KeypadState bits: function keys pressed since the last KeypadState. Digits never appear. */
export enum FunctionKey {
  Enter = 0x01,
  Cancel = 0x02,
  Clear = 0x04,
  Backspace = 0x08,
  F1 = 0x10,
  F2 = 0x20,
  F3 = 0x40,
  F4 = 0x80,
}
/** KeypadState flags byte: a PIN entry is in progress (keys are then not latched at all). */
export const KEYPAD_PIN_ENTRY_ACTIVE = 0x01;

/** UpdateStatus state. */
export enum UpdateState {
  /** No transfer. */
  Idle = 0,
  /** UpdateBegin accepted; UpdateWrite in progress. */
  Receiving = 1,
  /** UpdateFinish checked the image; it runs after the next Reboot. */
  Pending = 2,
  /** Running the new image on trial: not yet confirmed, reverts on the next boot if not. */
  Testing = 3,
  /** The last transfer failed its checks; UpdateAbort or UpdateBegin starts again. */
  Failed = 4,
}

/** PinProgress stage: which PIN the holder is typing. */
export enum PinStage {
  Current = 0,
  New = 1,
  Confirm = 2,
}

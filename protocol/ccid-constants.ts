// USB CCID rev 1.1 message codes, status and error codes: the facts both the firmware (asc) and
// the host and simulator (tsc) use. Portable subset: enums and integer constants only.
// Sources: ../shared/reference/iso7816-and-ccid.md §B1–B6.

/** Length of every bulk CCID message header (bMessageType, dwLength, bSlot, bSeq, 3 specific). */
export const CCID_HEADER_LENGTH = 10;

/** PC_to_RDR bulk-OUT message types. */
export enum PcToRdr {
  SetParameters = 0x61,
  IccPowerOn = 0x62,
  IccPowerOff = 0x63,
  GetSlotStatus = 0x65,
  Secure = 0x69,
  T0Apdu = 0x6a,
  Escape = 0x6b,
  GetParameters = 0x6c,
  ResetParameters = 0x6d,
  IccClock = 0x6e,
  XfrBlock = 0x6f,
  Mechanical = 0x71,
  Abort = 0x72,
  SetDataRateAndClockFrequency = 0x73,
}

/** RDR_to_PC bulk-IN message types, and the two interrupt-IN messages. */
export enum RdrToPc {
  DataBlock = 0x80,
  SlotStatus = 0x81,
  Parameters = 0x82,
  Escape = 0x83,
  DataRateAndClockFrequency = 0x84,
  NotifySlotChange = 0x50,
  HardwareError = 0x51,
}

/** bStatus bits 1..0: bmICCStatus. */
export enum IccStatus {
  PresentActive = 0,
  PresentInactive = 1,
  NoIcc = 2,
}

/** bStatus bits 7..6: bmCommandStatus, already shifted into place. */
export enum CommandStatus {
  Ok = 0x00,
  Failed = 0x40,
  TimeExtension = 0x80,
}

export const ICC_STATUS_MASK = 0x03;
export const COMMAND_STATUS_MASK = 0xc0;

/** bError when bmCommandStatus = Failed. Values 0x01..0x7F name the offending header byte. */
export enum CcidError {
  CmdAborted = 0xff,
  IccMute = 0xfe,
  XfrParityError = 0xfd,
  XfrOverrun = 0xfc,
  HwError = 0xfb,
  BadAtrTs = 0xf8,
  BadAtrTck = 0xf7,
  IccProtocolNotSupported = 0xf6,
  IccClassNotSupported = 0xf5,
  ProcedureByteConflict = 0xf4,
  DeactivatedProtocol = 0xf3,
  BusyWithAutoSequence = 0xf2,
  PinTimeout = 0xf0,
  PinCancelled = 0xef,
  CmdSlotBusy = 0xe0,
  CmdNotSupported = 0x00,
}

/**
 * bError of a failed Secure that the reader ended itself, beyond the standard's PinTimeout and
 * PinCancelled: vendor values, from the range 0x81..0xC0 that CCID rev 1.1 §6.2.6 leaves to the
 * vendor (protocol/PROTOCOL.md §4a). The firmware sends them, the host reads them.
 */
export enum PinPadError {
  /** The holder typed too few or too many digits. */
  Length = 0xc0,
  /** The two new PINs of a modification differ. */
  Mismatch = 0xbf,
}

/**
 * PC/SC part 10 status words of a PIN pad's own failures, SW1 64 (what an IFD handler returns):
 * libccid makes 64 00 / 64 01 of PinTimeout / PinCancelled itself; in the compat profile the reader
 * answers 64 03 / 64 02 for PinPadError Length / Mismatch directly (PROTOCOL.md §4a).
 */
export const PIN_PAD_SW1 = 0x64;
export enum PinPadSw2 {
  Timeout = 0x00,
  Cancelled = 0x01,
  Mismatch = 0x02,
  Length = 0x03,
}

/**
 * Our reader's prompt table, by the Secure structures' bMsgIndex (PROTOCOL.md §4a); the host's
 * templates choose from it, the firmware shows it.
 */
export enum PinMessage {
  /** 请输入密码 / Enter PIN (libccid's GemPC table: "ENTER SMARTCARD PIN"). */
  EnterPin = 0,
  /** 请输入新密码 / New PIN ("ENTER NEW PIN"). */
  NewPin = 1,
  /** 请确认新密码 / Repeat new PIN ("CONFIRM NEW PIN"). */
  ConfirmPin = 2,
  /** 请输入原密码 / Old PIN. */
  OldPin = 3,
}
export const PIN_MESSAGE_COUNT = 4;

/**
 * wLangId values (USB LANGIDs) our reader's prompts know. Any other language gets English; 0
 * leaves the choice to the reader (its configured language, Chinese (PRC) until provisioned).
 */
export enum LangId {
  ChinesePrc = 0x0804,
  EnglishUs = 0x0409,
}

/**
 * bError 0x01..0x7F of a Failed answer names the offending byte of the command by its offset in
 * the CCID message (CCID §6.2.6): the offsets the reader reports.
 */
export const ERROR_INDEX_LENGTH = 1; // dwLength
export const ERROR_INDEX_SLOT = 5; // bSlot
/** The first message-specific byte: bPowerSelect, bProtocolNum, bClockCommand. */
export const ERROR_INDEX_PARAMETER = 7;
/** abData[0]; abData[i] is ERROR_INDEX_DATA + i. */
export const ERROR_INDEX_DATA = CCID_HEADER_LENGTH;

/** IccPowerOn bPowerSelect. */
export enum PowerSelect {
  Automatic = 0,
  V5 = 1,
  V3 = 2,
  V1_8 = 3,
}

/** bProtocolNum of Set/GetParameters and Parameters. */
export enum ProtocolNum {
  T0 = 0,
  T1 = 1,
}

/** Length of abProtocolData for each protocol (§B4). */
export const T0_PARAMETERS_LENGTH = 5;
export const T1_PARAMETERS_LENGTH = 7;

/** XfrBlock wLevelParameter and DataBlock bChainParameter (§B5). */
export enum ChainLevel {
  Complete = 0x00,
  Begins = 0x01,
  Ends = 0x02,
  Continues = 0x03,
  ContinueResponse = 0x10,
}

/** IccClock bClockCommand. */
export enum ClockCommand {
  Restart = 0,
  Stop = 1,
}

/** SlotStatus bClockStatus. */
export enum ClockStatus {
  Running = 0,
  StoppedLow = 1,
  StoppedHigh = 2,
  StoppedUnknown = 3,
}

/** Mechanical bFunction. */
export enum MechanicalFunction {
  Accept = 1,
  Eject = 2,
  Capture = 3,
  Lock = 4,
  Unlock = 5,
}

/** Secure abData[0]: bPINOperation (§B6). */
export enum PinOperation {
  Verify = 0x00,
  Modify = 0x01,
  TransferPin = 0x02,
  WaitIccResponse = 0x03,
  Cancel = 0x04,
  ResendIBlock = 0x05,
  SendNextApduPart = 0x06,
}

/** PIN verification structure length before the APDU, after bPINOperation (§B6). */
export const PIN_VERIFY_HEADER_LENGTH = 14;
/** PIN modification structure length before the APDU with all three message indexes. */
export const PIN_MODIFY_HEADER_LENGTH = 19;

/** CCID class descriptor dwFeatures bits (§B3). */
export enum CcidFeature {
  AutoConfigFromAtr = 0x02,
  AutoActivation = 0x04,
  AutoVoltage = 0x08,
  AutoClock = 0x10,
  AutoBaudRate = 0x20,
  AutoParameterNegotiation = 0x40,
  AutoPps = 0x80,
  ClockStop = 0x100,
  NadAccepted = 0x200,
  AutoIfsd = 0x400,
  LevelTpdu = 0x00010000,
  LevelShortApdu = 0x00020000,
  LevelExtendedApdu = 0x00040000,
}

/** CCID bPINSupport bits. */
export enum PinSupport {
  Verify = 0x01,
  Modify = 0x02,
}

/** Secure bEntryValidationCondition bits (§B6): what ends PIN entry. */
export enum PinEntryValidation {
  MaxSizeReached = 0x01,
  ValidationKey = 0x02,
  Timeout = 0x04,
}

/** Secure (modify) bConfirmPIN bits (§B6). */
export enum PinConfirm {
  ConfirmNew = 0x01,
  EnterCurrent = 0x02,
}

/** T0APDU bmChanges bits: which of bClassGetResponse / bClassEnvelope to take. */
export enum T0ApduChanges {
  ClassGetResponse = 0x01,
  ClassEnvelope = 0x02,
}

/** RDR_to_PC_HardwareError bHardwareErrorCode. */
export enum HardwareErrorCode {
  Overcurrent = 0x01,
}

/** RDR_to_PC_HardwareError is 4 bytes: bMessageType, bSlot, bSeq, bHardwareErrorCode. */
export const HARDWARE_ERROR_LENGTH = 4;
/** dwLength of SetDataRateAndClockFrequency and DataRateAndClockFrequency: two u32 LE. */
export const DATA_RATE_AND_CLOCK_LENGTH = 8;
/** NotifySlotChange bmSlotICCState: 2 bits per slot, bit 0 card present, bit 1 changed. */
export const SLOT_ICC_PRESENT = 0x01;
export const SLOT_ICC_CHANGED = 0x02;

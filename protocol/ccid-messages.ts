// Every USB CCID rev 1.1 message as a typed value (CCID §6; ../shared/reference/
// iso7816-and-ccid.md §B1–B6). The discriminant `type` is bMessageType itself: a PcToRdr or
// RdrToPc enum member, so `m.type === PcToRdr.XfrBlock` narrows `m`. Reserved (RFU) header bytes
// are written as 0 and ignored when read.

import type {
  ClockCommand,
  ClockStatus,
  CommandStatus,
  IccStatus,
  MechanicalFunction,
  PcToRdr,
  PowerSelect,
  ProtocolNum,
  RdrToPc,
} from './ccid-constants.ts';
import type { ProtocolParameters } from './ccid-parameters.ts';
import type { SecurePayload } from './pin-structures.ts';

/** bSlot and bSeq, echoed by the reader in its answer. */
interface Addressed {
  readonly slot: number;
  readonly seq: number;
}

export interface IccPowerOn extends Addressed {
  readonly type: PcToRdr.IccPowerOn;
  readonly powerSelect: PowerSelect;
}
export interface IccPowerOff extends Addressed {
  readonly type: PcToRdr.IccPowerOff;
}
export interface GetSlotStatus extends Addressed {
  readonly type: PcToRdr.GetSlotStatus;
}
export interface XfrBlock extends Addressed {
  readonly type: PcToRdr.XfrBlock;
  /** bBWI: extends the block waiting time for this command. */
  readonly bwi: number;
  /** wLevelParameter: a ChainLevel at APDU level (§B5); RFU (0) at TPDU level. */
  readonly levelParameter: number;
  readonly data: Uint8Array;
}
export interface GetParameters extends Addressed {
  readonly type: PcToRdr.GetParameters;
}
export interface ResetParameters extends Addressed {
  readonly type: PcToRdr.ResetParameters;
}
export interface SetParameters extends Addressed {
  readonly type: PcToRdr.SetParameters;
  readonly parameters: ProtocolParameters;
}
export interface EscapeCommand extends Addressed {
  readonly type: PcToRdr.Escape;
  readonly data: Uint8Array;
}
export interface IccClock extends Addressed {
  readonly type: PcToRdr.IccClock;
  readonly clockCommand: ClockCommand;
}
export interface T0Apdu extends Addressed {
  readonly type: PcToRdr.T0Apdu;
  /** bmChanges: bitmask of T0ApduChanges. */
  readonly changes: number;
  readonly classGetResponse: number;
  readonly classEnvelope: number;
}
export interface Secure extends Addressed {
  readonly type: PcToRdr.Secure;
  readonly bwi: number;
  readonly levelParameter: number;
  readonly payload: SecurePayload;
}
export interface Mechanical extends Addressed {
  readonly type: PcToRdr.Mechanical;
  readonly function: MechanicalFunction;
}
export interface Abort extends Addressed {
  readonly type: PcToRdr.Abort;
}
export interface SetDataRateAndClockFrequency extends Addressed {
  readonly type: PcToRdr.SetDataRateAndClockFrequency;
  /** dwClockFrequency, kHz. */
  readonly clockFrequency: number;
  /** dwDataRate, bps. */
  readonly dataRate: number;
}

export type PcToRdrMessage =
  | IccPowerOn
  | IccPowerOff
  | GetSlotStatus
  | XfrBlock
  | GetParameters
  | ResetParameters
  | SetParameters
  | EscapeCommand
  | IccClock
  | T0Apdu
  | Secure
  | Mechanical
  | Abort
  | SetDataRateAndClockFrequency;

/** bStatus split into its two fields, and bError (§B2). */
interface Status extends Addressed {
  readonly iccStatus: IccStatus;
  readonly commandStatus: CommandStatus;
  /**
   * bError: a CcidError when commandStatus is Failed (1..127 = offset of the bad byte), the
   * waiting-time multiplier when it is TimeExtension, 0 otherwise.
   */
  readonly error: number;
}

export interface DataBlock extends Status {
  readonly type: RdrToPc.DataBlock;
  /** bChainParameter: a ChainLevel (§B5). */
  readonly chainParameter: number;
  readonly data: Uint8Array;
}
export interface SlotStatus extends Status {
  readonly type: RdrToPc.SlotStatus;
  readonly clockStatus: ClockStatus;
}
export interface Parameters extends Status {
  readonly type: RdrToPc.Parameters;
  readonly protocolNum: ProtocolNum;
  /** Absent when the reader sends no abProtocolData (dwLength 0, e.g. on a failure). */
  readonly parameters: ProtocolParameters | undefined;
}
export interface EscapeResponse extends Status {
  readonly type: RdrToPc.Escape;
  readonly data: Uint8Array;
}
export interface DataRateAndClockFrequency extends Status {
  readonly type: RdrToPc.DataRateAndClockFrequency;
  readonly clockFrequency: number;
  readonly dataRate: number;
}

/** One slot's two bits of bmSlotICCState. */
export interface SlotIccState {
  readonly present: boolean;
  readonly changed: boolean;
}
/** Interrupt message: `50` + bmSlotICCState, 4 slots per byte (slot 0 in bits 1..0). */
export interface NotifySlotChange {
  readonly type: RdrToPc.NotifySlotChange;
  /** One entry per slot; decoding yields 4 per byte. */
  readonly slots: readonly SlotIccState[];
}
/** Interrupt message, 4 bytes: `51` bSlot bSeq bHardwareErrorCode. */
export interface HardwareError extends Addressed {
  readonly type: RdrToPc.HardwareError;
  /** bHardwareErrorCode: a HardwareErrorCode. */
  readonly code: number;
}

export type RdrToPcMessage =
  | DataBlock
  | SlotStatus
  | Parameters
  | EscapeResponse
  | DataRateAndClockFrequency
  | NotifySlotChange
  | HardwareError;

export type CcidMessage = PcToRdrMessage | RdrToPcMessage;

export type Direction = 'pc-to-rdr' | 'rdr-to-pc';

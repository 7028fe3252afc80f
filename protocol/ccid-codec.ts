// encodeMessage / decodeMessage for every CCID rev 1.1 message (types: ccid-messages.ts).
// Bulk messages: bMessageType, dwLength (u32 LE, abData only), bSlot, bSeq, 3 specific bytes,
// abData. Interrupt messages (NotifySlotChange, HardwareError) have their own short layouts.

import {
  ByteFieldError,
  checkBytes,
  checkInt,
  checkU16,
  checkU32,
  checkU8,
  readU16LE,
  readU32LE,
  writeU16LE,
  writeU32LE,
} from './bytes.ts';
import {
  CCID_HEADER_LENGTH,
  ChainLevel,
  COMMAND_STATUS_MASK,
  CommandStatus,
  DATA_RATE_AND_CLOCK_LENGTH,
  HARDWARE_ERROR_LENGTH,
  ICC_STATUS_MASK,
  PcToRdr,
  RdrToPc,
  SLOT_ICC_CHANGED,
  SLOT_ICC_PRESENT,
} from './ccid-constants.ts';
import { CcidMessageError } from './ccid-message-error.ts';
import type {
  CcidMessage,
  Direction,
  PcToRdrMessage,
  RdrToPcMessage,
  SlotIccState,
} from './ccid-messages.ts';
import { decodeProtocolParameters, encodeProtocolParameters } from './ccid-parameters.ts';
import { type MsgIndexRule, decodeSecurePayload, encodeSecurePayload } from './pin-structures.ts';

export interface DecodeOptions {
  /** How to read bMsgIndex2/3 of a PIN modification structure (default 'all-three'). */
  readonly msgIndexRule?: MsgIndexRule;
}

const hex = (b: number): string => b.toString(16).toUpperCase().padStart(2, '0');

const PC_TO_RDR = new Set<number>(
  Object.values(PcToRdr).filter((v): v is number => typeof v === 'number'),
);
const RDR_TO_PC = new Set<number>(
  Object.values(RdrToPc).filter((v): v is number => typeof v === 'number'),
);

/** True if `type` is a bMessageType of `direction`. */
export function isMessageType(type: number, direction: Direction): boolean {
  return (direction === 'pc-to-rdr' ? PC_TO_RDR : RDR_TO_PC).has(type);
}

// ---------------------------------------------------------------------------------------------
// encode

/** Encodes a message. Throws ByteFieldError when a field does not fit its wire format. */
export function encodeMessage(m: CcidMessage): Uint8Array {
  switch (m.type) {
    case RdrToPc.NotifySlotChange:
      return encodeNotifySlotChange(m.slots);
    case RdrToPc.HardwareError:
      return Uint8Array.of(
        RdrToPc.HardwareError,
        checkU8('slot', m.slot),
        checkU8('seq', m.seq),
        checkU8('code', m.code),
      );
    default:
      return encodeBulk(m);
  }
}

type BulkMessage = Exclude<CcidMessage, { type: RdrToPc.NotifySlotChange | RdrToPc.HardwareError }>;

function encodeBulk(m: BulkMessage): Uint8Array {
  let b7 = 0;
  let b8 = 0;
  let b9 = 0;
  let data: Uint8Array = new Uint8Array(0);
  switch (m.type) {
    case PcToRdr.IccPowerOn:
      b7 = checkInt('powerSelect', m.powerSelect, 0, 3);
      break;
    case PcToRdr.IccPowerOff:
    case PcToRdr.GetSlotStatus:
    case PcToRdr.GetParameters:
    case PcToRdr.ResetParameters:
    case PcToRdr.Abort:
      break;
    case PcToRdr.XfrBlock:
      b7 = checkU8('bwi', m.bwi);
      [b8, b9] = u16(checkU16('levelParameter', m.levelParameter));
      data = checkBytes('data', m.data);
      break;
    case PcToRdr.SetParameters:
      b7 = m.parameters.protocol;
      data = encodeProtocolParameters(m.parameters);
      break;
    case PcToRdr.Escape:
      data = checkBytes('data', m.data);
      break;
    case PcToRdr.IccClock:
      b7 = checkInt('clockCommand', m.clockCommand, 0, 1);
      break;
    case PcToRdr.T0Apdu:
      b7 = checkInt('changes', m.changes, 0, 3);
      b8 = checkU8('classGetResponse', m.classGetResponse);
      b9 = checkU8('classEnvelope', m.classEnvelope);
      break;
    case PcToRdr.Secure:
      b7 = checkU8('bwi', m.bwi);
      [b8, b9] = u16(checkU16('levelParameter', m.levelParameter));
      secureLevelMatches(m.levelParameter, m.payload.kind);
      data = encodeSecurePayload(m.payload);
      break;
    case PcToRdr.Mechanical:
      b7 = checkInt('function', m.function, 1, 5);
      break;
    case PcToRdr.SetDataRateAndClockFrequency:
    case RdrToPc.DataRateAndClockFrequency:
      data = new Uint8Array(DATA_RATE_AND_CLOCK_LENGTH);
      writeU32LE(data, 0, checkU32('clockFrequency', m.clockFrequency));
      writeU32LE(data, 4, checkU32('dataRate', m.dataRate));
      break;
    case RdrToPc.DataBlock:
      b9 = checkU8('chainParameter', m.chainParameter);
      data = checkBytes('data', m.data);
      break;
    case RdrToPc.SlotStatus:
      b9 = checkInt('clockStatus', m.clockStatus, 0, 3);
      break;
    case RdrToPc.Parameters:
      b9 = checkInt('protocolNum', m.protocolNum, 0, 1);
      if (m.parameters !== undefined) {
        checkInt('parameters.protocol (must equal protocolNum)', m.parameters.protocol, b9, b9);
        data = encodeProtocolParameters(m.parameters);
      }
      break;
    case RdrToPc.Escape:
      data = checkBytes('data', m.data);
      break;
  }
  if ('iccStatus' in m) {
    // RDR_to_PC: bStatus and bError take the first two specific bytes (§B2).
    b7 = checkInt('iccStatus', m.iccStatus, 0, 2) | commandStatusBits(m.commandStatus);
    b8 = checkU8('error', m.error);
  }
  const out = new Uint8Array(CCID_HEADER_LENGTH + data.length);
  out[0] = m.type;
  writeU32LE(out, 1, data.length);
  out[5] = checkU8('slot', m.slot);
  out[6] = checkU8('seq', m.seq);
  out[7] = b7;
  out[8] = b8;
  out[9] = b9;
  out.set(data, CCID_HEADER_LENGTH);
  return out;
}

/** A continuation has no bPINOperation, so only levels other than Complete/Begins carry one. */
function secureLevelMatches(level: number, kind: string): void {
  const starts = level === ChainLevel.Complete || level === ChainLevel.Begins;
  if (starts === (kind === 'continuation')) {
    throw new ByteFieldError(
      'levelParameter',
      `${level} does not suit a '${kind}' payload (continuations use Ends, Continues, ContinueResponse)`,
    );
  }
}

function commandStatusBits(c: CommandStatus): number {
  if (c !== CommandStatus.Ok && c !== CommandStatus.Failed && c !== CommandStatus.TimeExtension) {
    throw new ByteFieldError('commandStatus', `${String(c)} is not 00, 40 or 80`);
  }
  return c;
}

function u16(v: number): [number, number] {
  return [v & 0xff, v >> 8];
}

function encodeNotifySlotChange(slots: readonly SlotIccState[]): Uint8Array {
  checkInt('slots.length', Array.isArray(slots) ? slots.length : -1, 1, 1020);
  const out = new Uint8Array(1 + Math.ceil(slots.length / 4));
  out[0] = RdrToPc.NotifySlotChange;
  slots.forEach((s, i) => {
    const bits = (s.present ? SLOT_ICC_PRESENT : 0) | (s.changed ? SLOT_ICC_CHANGED : 0);
    out[1 + (i >> 2)] |= bits << ((i & 3) * 2);
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// decode

/**
 * Decodes one whole message (exactly its bytes: header + dwLength bytes, or the interrupt
 * message). Throws CcidMessageError with a `code` for a short message, an unknown type, a
 * dwLength that disagrees with the bytes or is not allowed for the type, or a bad field.
 */
export function decodeMessage(
  bytes: Uint8Array,
  direction: 'pc-to-rdr',
  options?: DecodeOptions,
): PcToRdrMessage;
export function decodeMessage(
  bytes: Uint8Array,
  direction: 'rdr-to-pc',
  options?: DecodeOptions,
): RdrToPcMessage;
export function decodeMessage(
  bytes: Uint8Array,
  direction: Direction,
  options?: DecodeOptions,
): CcidMessage;
export function decodeMessage(
  bytes: Uint8Array,
  direction: Direction,
  options: DecodeOptions = {},
): CcidMessage {
  if (!(bytes instanceof Uint8Array) || bytes.length < 1) {
    throw new CcidMessageError('short-message', 'empty message');
  }
  const type = bytes[0];
  if (!isMessageType(type, direction)) {
    throw new CcidMessageError(
      'unknown-type',
      `bMessageType ${hex(type)} is not a ${direction === 'pc-to-rdr' ? 'PC_to_RDR' : 'RDR_to_PC'} message`,
      0,
    );
  }
  if (type === RdrToPc.NotifySlotChange) return decodeNotifySlotChange(bytes);
  if (type === RdrToPc.HardwareError) {
    if (bytes.length !== HARDWARE_ERROR_LENGTH) {
      throw new CcidMessageError(
        bytes.length < HARDWARE_ERROR_LENGTH ? 'short-message' : 'length-mismatch',
        `HardwareError is ${HARDWARE_ERROR_LENGTH} bytes, got ${bytes.length}`,
      );
    }
    return { type: RdrToPc.HardwareError, slot: bytes[1], seq: bytes[2], code: bytes[3] };
  }
  if (bytes.length < CCID_HEADER_LENGTH) {
    throw new CcidMessageError(
      'short-message',
      `${bytes.length} bytes: a CCID header is ${CCID_HEADER_LENGTH}`,
    );
  }
  const dwLength = readU32LE(bytes, 1);
  if (dwLength !== bytes.length - CCID_HEADER_LENGTH) {
    throw new CcidMessageError(
      'length-mismatch',
      `dwLength ${dwLength} but ${bytes.length - CCID_HEADER_LENGTH} bytes follow the header`,
      1,
    );
  }
  const slot = bytes[5];
  const seq = bytes[6];
  const data = bytes.slice(CCID_HEADER_LENGTH);
  return direction === 'pc-to-rdr'
    ? decodeCommand(type as PcToRdr, bytes, slot, seq, data, options)
    : decodeResponse(type as RdrToPc, bytes, slot, seq, data);
}

function noData(type: number, data: Uint8Array): void {
  if (data.length !== 0) {
    throw new CcidMessageError(
      'bad-dwlength',
      `message ${hex(type)} carries no data, dwLength is ${data.length}`,
      1,
    );
  }
}

function range(v: number, min: number, max: number, field: string, offset: number): number {
  if (v < min || v > max) {
    throw new CcidMessageError('bad-field', `${field} ${hex(v)}: must be ${min}..${max}`, offset);
  }
  return v;
}

function decodeCommand(
  type: PcToRdr,
  b: Uint8Array,
  slot: number,
  seq: number,
  data: Uint8Array,
  options: DecodeOptions,
): PcToRdrMessage {
  switch (type) {
    case PcToRdr.IccPowerOn:
      noData(type, data);
      return { type, slot, seq, powerSelect: range(b[7], 0, 3, 'bPowerSelect', 7) };
    case PcToRdr.IccPowerOff:
    case PcToRdr.GetSlotStatus:
    case PcToRdr.GetParameters:
    case PcToRdr.ResetParameters:
    case PcToRdr.Abort:
      noData(type, data);
      return { type, slot, seq };
    case PcToRdr.XfrBlock:
      return { type, slot, seq, bwi: b[7], levelParameter: readU16LE(b, 8), data };
    case PcToRdr.SetParameters:
      return {
        type,
        slot,
        seq,
        parameters: decodeProtocolParameters(b[7], data, CCID_HEADER_LENGTH),
      };
    case PcToRdr.Escape:
      return { type, slot, seq, data };
    case PcToRdr.IccClock:
      noData(type, data);
      return { type, slot, seq, clockCommand: range(b[7], 0, 1, 'bClockCommand', 7) };
    case PcToRdr.T0Apdu:
      noData(type, data);
      return {
        type,
        slot,
        seq,
        changes: range(b[7], 0, 3, 'bmChanges', 7),
        classGetResponse: b[8],
        classEnvelope: b[9],
      };
    case PcToRdr.Secure: {
      const levelParameter = readU16LE(b, 8);
      return {
        type,
        slot,
        seq,
        bwi: b[7],
        levelParameter,
        payload: decodeSecurePayload(data, levelParameter, options.msgIndexRule),
      };
    }
    case PcToRdr.Mechanical:
      noData(type, data);
      return { type, slot, seq, function: range(b[7], 1, 5, 'bFunction', 7) };
    case PcToRdr.SetDataRateAndClockFrequency:
      rateLength(type, data);
      return {
        type,
        slot,
        seq,
        clockFrequency: readU32LE(data, 0),
        dataRate: readU32LE(data, 4),
      };
  }
}

function rateLength(type: number, data: Uint8Array): void {
  if (data.length !== DATA_RATE_AND_CLOCK_LENGTH) {
    throw new CcidMessageError(
      'bad-dwlength',
      `message ${hex(type)} carries ${DATA_RATE_AND_CLOCK_LENGTH} bytes, dwLength is ${data.length}`,
      1,
    );
  }
}

function decodeResponse(
  type: RdrToPc,
  b: Uint8Array,
  slot: number,
  seq: number,
  data: Uint8Array,
): RdrToPcMessage {
  const bStatus = b[7];
  // §B2: bits 5..2 are RFU, bmICCStatus 3 and bmCommandStatus 3 are RFU.
  if ((bStatus & ~(ICC_STATUS_MASK | COMMAND_STATUS_MASK)) !== 0) {
    throw new CcidMessageError('bad-field', `bStatus ${hex(bStatus)}: RFU bits 5..2 set`, 7);
  }
  const iccStatus = bStatus & ICC_STATUS_MASK;
  const commandStatus = bStatus & COMMAND_STATUS_MASK;
  if (iccStatus === 3 || commandStatus === 0xc0) {
    throw new CcidMessageError('bad-field', `bStatus ${hex(bStatus)}: RFU value`, 7);
  }
  const status = { slot, seq, iccStatus, commandStatus, error: b[8] };
  switch (type) {
    case RdrToPc.DataBlock:
      return { type, ...status, chainParameter: b[9], data };
    case RdrToPc.SlotStatus:
      noData(type, data);
      return { type, ...status, clockStatus: range(b[9], 0, 3, 'bClockStatus', 9) };
    case RdrToPc.Parameters: {
      const protocolNum = range(b[9], 0, 1, 'bProtocolNum', 9);
      return {
        type,
        ...status,
        protocolNum,
        parameters:
          data.length === 0
            ? undefined
            : decodeProtocolParameters(protocolNum, data, CCID_HEADER_LENGTH),
      };
    }
    case RdrToPc.Escape:
      return { type, ...status, data };
    case RdrToPc.DataRateAndClockFrequency:
      rateLength(type, data);
      return {
        type,
        ...status,
        clockFrequency: readU32LE(data, 0),
        dataRate: readU32LE(data, 4),
      };
    default:
      // NotifySlotChange and HardwareError are decoded before the bulk header is read.
      throw new CcidMessageError('unknown-type', `bMessageType ${hex(type)} is not bulk`, 0);
  }
}

function decodeNotifySlotChange(bytes: Uint8Array): RdrToPcMessage {
  if (bytes.length < 2) {
    throw new CcidMessageError('short-message', 'NotifySlotChange needs bmSlotICCState');
  }
  const slots: SlotIccState[] = [];
  for (let i = 0; i < (bytes.length - 1) * 4; i++) {
    const bits = (bytes[1 + (i >> 2)] >> ((i & 3) * 2)) & 0x03;
    slots.push({
      present: (bits & SLOT_ICC_PRESENT) !== 0,
      changed: (bits & SLOT_ICC_CHANGED) !== 0,
    });
  }
  return { type: RdrToPc.NotifySlotChange, slots };
}

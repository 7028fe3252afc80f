// The CCID command processor: every PC_to_RDR message (iso7816-and-ccid.md §B1) with its answer
// type, bSlot and bSeq echoed; one command per slot in flight; both profiles on one processor.
import { timer_set, timer_cancel } from '../hal';
import { SLOT_COUNT } from '../../hal-constants';
import {
  CCID_HEADER_LENGTH,
  PcToRdr,
  RdrToPc,
  IccStatus,
  CommandStatus,
  CcidError,
  ChainLevel,
  ProtocolNum,
  T0_PARAMETERS_LENGTH,
  T1_PARAMETERS_LENGTH,
  DATA_RATE_AND_CLOCK_LENGTH,
  T0ApduChanges,
  ClockCommand,
  ClockStatus,
} from '../../../protocol/ccid-constants';
import { TIMER_TIME_EXTENSION_BASE } from '../timers';
import { configTimeExtensionMs } from '../config/index';
import {
  slotPowerOn,
  slotPowerOff,
  slotIccStatus,
  slotTransmit,
  slotGetParameters,
  slotSetParameters,
  slotResetParameters,
  slotAbort,
  slotClock,
  slotClockStatus,
  slotClockKhz,
  slotDataRate,
} from './slot-ops';
import {
  OFFSET_LENGTH,
  OFFSET_SLOT,
  OFFSET_SPECIFIC,
  OFFSET_LEVEL,
  byteAt,
  readU32LE,
  writeU32LE,
} from './message';
import { sendShortEcho, sendAnswer, answerData } from './reply';
import { isNative, maxMessageLength, profileInit } from './profile';
import {
  slotCommandsInit,
  slotBusy,
  slotCommandBegin,
  slotCommandEnd,
  pendingCommandType,
  pendingCommandSeq,
  pendingCommandSpecific,
  pendingCommandEcho,
} from './slot-command';
import {
  chainsInit,
  chainReset,
  chainOpen,
  chainBegin,
  chainAppend,
  chainPtr,
  chainLength,
} from './xfr-chain';
import { handleEscape, escapeError } from './escape';
import { slotChangeInit, slotChangeOnPresence } from './slot-change';
import { uptimeInit } from '../diag/uptime';
import {
  pinInit,
  setPinDoneHandler,
  pinStart,
  pinProgress,
  pinOnKey,
  pinOnTimer,
  pinAbort,
  pinOnRemoved,
  pinOnCardDone,
} from '../pin/pin-pad';
import { keypadLatchInit } from '../pin/keypad-latch';

/** IccClock / IccPowerOn / SetParameters range limits of their specific byte. */
const MAX_POWER_SELECT: i32 = 3;
const MAX_CLOCK_COMMAND: i32 = 1;
/** T0APDU: bClassGetResponse / bClassEnvelope 0xFF = use the command's own CLA, which we do. */
const CLASS_FROM_COMMAND: i32 = 0xff;

const params = memory.data(8);

// The command being handled (valid during ccidOnMessage).
let curType: i32 = 0;
let curSlot: i32 = 0;
let curSeq: i32 = 0;
let curSpecific: i32 = 0;
/** The echo follows the profile in force when the command arrived. */
let curEcho: bool = false;

export function ccidInit(): void {
  uptimeInit();
  profileInit();
  slotCommandsInit();
  chainsInit();
  keypadLatchInit();
  pinInit();
  // A PIN entry that ends before its command reaches the card answers like a slot completion.
  setPinDoneHandler(ccidOnSlotDone);
}

/** After slotsInit: the presence state to report changes against. */
export function ccidStart(): void {
  slotChangeInit();
}

/** A valid CCID message from the host link: `len` = 10 + dwLength bytes at `ptr`. */
export function ccidOnMessage(ptr: usize, len: i32): void {
  curType = byteAt(ptr, 0);
  curSlot = byteAt(ptr, OFFSET_SLOT);
  curSeq = byteAt(ptr, 6);
  curSpecific = byteAt(ptr, 7) | (byteAt(ptr, 8) << 8) | (byteAt(ptr, 9) << 16);
  curEcho = !isNative();
  const data = ptr + <usize>CCID_HEADER_LENGTH;
  const dataLength = len - CCID_HEADER_LENGTH;
  const answer = answerTypeFor(curType);

  if (answer == 0) {
    replyFailed(RdrToPc.SlotStatus, IccStatus.NoIcc, CcidError.CmdNotSupported);
    return;
  }
  if (curSlot >= SLOT_COUNT) {
    replyFailed(answer, IccStatus.NoIcc, OFFSET_SLOT);
    return;
  }
  const slot = curSlot;
  // Abort is the one command a busy slot accepts.
  if (slotBusy(slot) && curType != PcToRdr.Abort) {
    replyFailed(answer, slotIccStatus(slot), CcidError.CmdSlotBusy);
    return;
  }
  if (!hasData(curType) && dataLength != 0) {
    replyFailed(answer, slotIccStatus(slot), OFFSET_LENGTH);
    return;
  }
  const specific = curSpecific & 0xff;

  switch (curType) {
    case PcToRdr.IccPowerOn: {
      if (specific > MAX_POWER_SELECT) {
        replyFailed(answer, slotIccStatus(slot), OFFSET_SPECIFIC);
        return;
      }
      chainReset(slot);
      slotCommandBegin(slot, curType, curSeq, curSpecific, curEcho);
      // No time extension here: libccid's CmdPowerOn reads one answer and would take a time
      // extension for an empty ATR; the ISO layer bounds the ATR itself.
      slotPowerOn(slot, specific, isNative());
      return;
    }
    case PcToRdr.IccPowerOff: {
      chainReset(slot);
      slotPowerOff(slot);
      replySlotStatus(slot, 0);
      return;
    }
    case PcToRdr.GetSlotStatus: {
      replySlotStatus(slot, 0);
      return;
    }
    case PcToRdr.XfrBlock: {
      xfrBlock(slot, data, dataLength);
      return;
    }
    case PcToRdr.GetParameters: {
      replyParameters(slot, 0);
      return;
    }
    case PcToRdr.SetParameters: {
      if (specific != ProtocolNum.T0 && specific != ProtocolNum.T1) {
        replyParameters(slot, OFFSET_SPECIFIC);
        return;
      }
      const expected = specific == ProtocolNum.T0 ? T0_PARAMETERS_LENGTH : T1_PARAMETERS_LENGTH;
      if (dataLength != expected) {
        replyParameters(slot, OFFSET_LENGTH);
        return;
      }
      replyParameters(slot, slotSetParameters(slot, specific, data, dataLength));
      return;
    }
    case PcToRdr.ResetParameters: {
      replyParameters(slot, slotResetParameters(slot));
      return;
    }
    case PcToRdr.Escape: {
      const result = handleEscape(slot, data, dataLength);
      if (result < 0) replyFailed(answer, slotIccStatus(slot), escapeError(result));
      else reply(answer, CommandStatus.Ok | slotIccStatus(slot), 0, 0, result);
      return;
    }
    case PcToRdr.IccClock: {
      if (specific > MAX_CLOCK_COMMAND) {
        replySlotStatus(slot, OFFSET_SPECIFIC);
        return;
      }
      let error = slotClock(slot, specific);
      // CmdNotSupported is 0, the same as success in the slot API's return value: a stop that
      // left the clock running was refused.
      if (
        error == 0 &&
        specific == ClockCommand.Stop &&
        slotClockStatus(slot) == ClockStatus.Running
      ) {
        error = CcidError.CmdNotSupported | NOT_SUPPORTED_FLAG;
      }
      replySlotStatus(slot, error);
      return;
    }
    case PcToRdr.T0Apdu: {
      replySlotStatus(slot, t0Apdu());
      return;
    }
    case PcToRdr.Secure: {
      secure(slot, data, dataLength);
      return;
    }
    case PcToRdr.Mechanical: {
      // No card-handling mechanics: a kiosk's contact slot is manual.
      replySlotStatus(slot, CcidError.CmdNotSupported | NOT_SUPPORTED_FLAG);
      return;
    }
    case PcToRdr.Abort: {
      abort(slot);
      return;
    }
    case PcToRdr.SetDataRateAndClockFrequency: {
      dataRateAndClock(slot, data, dataLength);
      return;
    }
  }
}

/** CmdNotSupported is bError 0, which is also "no error": this flag marks it as a failure. */
const NOT_SUPPORTED_FLAG: i32 = 0x100;

/**
 * SetDataRateAndClockFrequency: the answer always carries the clock (kHz) and the data rate (bps)
 * in force. They follow the activation and PPS — the social security card forbids clock changes
 * after the ATR (ARCHITECTURE §6) — so the host cannot change them: asking for exactly the values
 * in force succeeds, anything else fails with CMD_NOT_SUPPORTED, and with no active card ICC_MUTE.
 */
function dataRateAndClock(slot: i32, data: usize, dataLength: i32): void {
  const answer = RdrToPc.DataRateAndClockFrequency;
  const iccStatus = slotIccStatus(slot);
  const active = iccStatus == IccStatus.PresentActive;
  const khz = active ? slotClockKhz(slot) : 0;
  const rate = active ? slotDataRate(slot) : 0;
  let error: i32 = 0;
  if (dataLength != DATA_RATE_AND_CLOCK_LENGTH) error = OFFSET_LENGTH;
  else if (!active) error = CcidError.IccMute;
  else if (readU32LE(data) != <u32>khz || readU32LE(data + 4) != <u32>rate)
    error = CcidError.CmdNotSupported | NOT_SUPPORTED_FLAG;
  const out = answerData();
  writeU32LE(out, <u32>khz);
  writeU32LE(out + 4, <u32>rate);
  const status = (error != 0 ? CommandStatus.Failed : CommandStatus.Ok) | iccStatus;
  reply(answer, status, error & 0xff, 0, DATA_RATE_AND_CLOCK_LENGTH);
}

function xfrBlock(slot: i32, data: usize, dataLength: i32): void {
  const answer = RdrToPc.DataBlock;
  if (slotIccStatus(slot) != IccStatus.PresentActive) {
    chainReset(slot);
    replyFailed(answer, slotIccStatus(slot), CcidError.IccMute);
    return;
  }
  const level = (curSpecific >> 8) & 0xffff;
  if (!isNative()) {
    // TPDU level: one TPDU, T=1 block or PPS request per XfrBlock; no chaining.
    if (level != ChainLevel.Complete) replyFailed(answer, IccStatus.PresentActive, OFFSET_LEVEL);
    else if (dataLength == 0) replyFailed(answer, IccStatus.PresentActive, OFFSET_LENGTH);
    else transmit(slot, data, dataLength, false);
    return;
  }
  switch (level) {
    case ChainLevel.Complete: {
      chainReset(slot);
      if (dataLength == 0) replyFailed(answer, IccStatus.PresentActive, OFFSET_LENGTH);
      else transmit(slot, data, dataLength, true);
      return;
    }
    case ChainLevel.Begins: {
      if (!chainBegin(slot, data, dataLength))
        replyFailed(answer, IccStatus.PresentActive, OFFSET_LENGTH);
      else
        reply(
          answer,
          CommandStatus.Ok | IccStatus.PresentActive,
          0,
          ChainLevel.ContinueResponse,
          0,
        );
      return;
    }
    case ChainLevel.Continues: {
      if (!chainOpen(slot)) replyFailed(answer, IccStatus.PresentActive, OFFSET_LEVEL);
      else if (!chainAppend(slot, data, dataLength))
        replyFailed(answer, IccStatus.PresentActive, OFFSET_LENGTH);
      else
        reply(
          answer,
          CommandStatus.Ok | IccStatus.PresentActive,
          0,
          ChainLevel.ContinueResponse,
          0,
        );
      return;
    }
    case ChainLevel.Ends: {
      if (!chainOpen(slot)) replyFailed(answer, IccStatus.PresentActive, OFFSET_LEVEL);
      else if (!chainAppend(slot, data, dataLength))
        replyFailed(answer, IccStatus.PresentActive, OFFSET_LENGTH);
      else {
        const n = chainLength(slot);
        // slotTransmit copies the APDU before it returns, so the chain can close first.
        chainReset(slot);
        transmit(slot, chainPtr(slot), n, true);
      }
      return;
    }
    default:
      // 0x10 asks for the rest of a chained response. A response never needs chaining here:
      // the largest R-APDU (MAX_APDU_DATA + SW1 SW2) fits one native message. So there is none.
      replyFailed(answer, IccStatus.PresentActive, OFFSET_LEVEL);
  }
}

/**
 * PIN entry on the reader's keypad (firmware/src/pin). The request is checked before anything
 * happens; while the holder types, the slot is busy (an XfrBlock to it is refused with
 * CMD_SLOT_BUSY) and time extensions go to the host, with PinProgress in the native profile.
 */
function secure(slot: i32, data: usize, dataLength: i32): void {
  const answer = RdrToPc.DataBlock;
  if (slotIccStatus(slot) != IccStatus.PresentActive) {
    replyFailed(answer, slotIccStatus(slot), CcidError.IccMute);
    return;
  }
  const level = (curSpecific >> 8) & 0xffff;
  const r = pinStart(slot, data, dataLength, level, isNative());
  if (r != 0) {
    replyFailed(answer, IccStatus.PresentActive, r & 0xff);
    return;
  }
  slotCommandBegin(slot, curType, curSeq, curSpecific, curEcho);
  timer_set(TIMER_TIME_EXTENSION_BASE + slot, configTimeExtensionMs());
}

/** A key from the keypad (HAL on_key). */
export function ccidOnKey(key: i32): void {
  pinOnKey(key);
}

/** TIMER_PIN fired. */
export function ccidOnPinTimer(): void {
  pinOnTimer();
}

function transmit(slot: i32, ptr: usize, len: i32, apduLevel: bool): void {
  slotCommandBegin(slot, curType, curSeq, curSpecific, curEcho);
  timer_set(TIMER_TIME_EXTENSION_BASE + slot, configTimeExtensionMs());
  slotTransmit(slot, ptr, len, apduLevel);
}

function t0Apdu(): i32 {
  const changes = curSpecific & 0xff;
  const getResponse = (curSpecific >> 8) & 0xff;
  const envelope = (curSpecific >> 16) & 0xff;
  if ((changes & ~(T0ApduChanges.ClassGetResponse | T0ApduChanges.ClassEnvelope)) != 0)
    return OFFSET_SPECIFIC;
  if ((changes & T0ApduChanges.ClassGetResponse) != 0 && getResponse != CLASS_FROM_COMMAND)
    return CcidError.CmdNotSupported | NOT_SUPPORTED_FLAG;
  if ((changes & T0ApduChanges.ClassEnvelope) != 0 && envelope != CLASS_FROM_COMMAND)
    return CcidError.CmdNotSupported | NOT_SUPPORTED_FLAG;
  return 0;
}

function abort(slot: i32): void {
  chainReset(slot);
  // A PIN entry ends here (answered CMD_ABORTED); its card exchange, if it runs, below.
  pinAbort(slot);
  if (slotBusy(slot)) {
    slotAbort(slot);
    // The ISO layer completes the exchange with CmdAborted inside slotAbort; if it did not, the
    // command is answered here so that the slot is free again.
    if (slotBusy(slot)) ccidOnSlotDone(slot, CcidError.CmdAborted, 0, 0);
  }
  replySlotStatus(slot, 0);
}

// ---- completions from the ISO 7816-3 layer (registered with setSlotHandlers) ----

export function ccidOnSlotDone(slot: i32, error: i32, ptr: usize, len: i32): void {
  if (slot < 0 || slot >= SLOT_COUNT || !slotBusy(slot)) return;
  timer_cancel(TIMER_TIME_EXTENSION_BASE + slot);
  const type = pendingCommandType(slot);
  const seq = pendingCommandSeq(slot);
  const specific = pendingCommandSpecific(slot);
  const echo = pendingCommandEcho(slot);
  slotCommandEnd(slot);
  const answer = answerTypeFor(type);
  if (type == PcToRdr.Secure) pinOnCardDone(slot, error, ptr, len);
  let e = error & 0xff;
  if (e == 0 && (len < 0 || len > maxMessageLength() - CCID_HEADER_LENGTH))
    e = CcidError.XfrOverrun;
  if (echo) sendShortEcho(type, slot, seq, specific);
  if (e != 0) {
    sendAnswer(answer, slot, seq, CommandStatus.Failed | slotIccStatus(slot), e, 0, 0);
    return;
  }
  memory.copy(answerData(), ptr, <usize>len);
  sendAnswer(answer, slot, seq, CommandStatus.Ok | slotIccStatus(slot), 0, 0, len);
}

export function ccidOnSlotWaiting(slot: i32, multiplier: i32): void {
  if (slot < 0 || slot >= SLOT_COUNT) return;
  const m = multiplier < 1 ? 1 : multiplier > 0xff ? 0xff : multiplier;
  if (timeExtension(slot, m)) timer_set(TIMER_TIME_EXTENSION_BASE + slot, configTimeExtensionMs());
}

export function ccidOnSlotPresence(slot: i32, present: i32): void {
  if (slot < 0 || slot >= SLOT_COUNT) return;
  if (present == 0) {
    chainReset(slot);
    pinOnRemoved(slot);
  }
  slotChangeOnPresence(slot, present);
}

/** TIMER_TIME_EXTENSION_BASE + slot fired. */
export function ccidOnTimer(slot: i32): void {
  if (timeExtension(slot, 1)) timer_set(TIMER_TIME_EXTENSION_BASE + slot, configTimeExtensionMs());
}

/**
 * Sends a time extension for the exchange or PIN entry running on `slot`; false if there is
 * none. During a PIN entry in the native profile it carries PinProgress (digits typed, stage).
 */
function timeExtension(slot: i32, multiplier: i32): bool {
  if (!slotBusy(slot)) return false;
  const type = pendingCommandType(slot);
  if (type != PcToRdr.XfrBlock && type != PcToRdr.Secure) return false;
  const seq = pendingCommandSeq(slot);
  const echo = pendingCommandEcho(slot);
  if (echo) sendShortEcho(type, slot, seq, pendingCommandSpecific(slot));
  const n = type == PcToRdr.Secure && !echo ? pinProgress(slot, answerData()) : 0;
  sendAnswer(
    RdrToPc.DataBlock,
    slot,
    seq,
    CommandStatus.TimeExtension | slotIccStatus(slot),
    multiplier,
    0,
    n,
  );
  return true;
}

// ---- answers to the command being handled ----

function reply(type: i32, status: i32, error: i32, specific: i32, dataLength: i32): void {
  if (curEcho) sendShortEcho(curType, curSlot, curSeq, curSpecific);
  sendAnswer(type, curSlot, curSeq, status, error, specific, dataLength);
}

function replyFailed(type: i32, iccStatus: i32, error: i32): void {
  let n = 0;
  if (type == RdrToPc.DataRateAndClockFrequency) {
    // This answer always carries dwClockFrequency and dwDataRate; 0 = not reported (a busy slot,
    // a slot that does not exist).
    n = DATA_RATE_AND_CLOCK_LENGTH;
    memory.fill(answerData(), 0, <usize>n);
  }
  reply(type, CommandStatus.Failed | iccStatus, error, 0, n);
}

/** SlotStatus with bClockStatus; `error` 0 = Ok, else bError (NOT_SUPPORTED_FLAG for 0). */
function replySlotStatus(slot: i32, error: i32): void {
  const status = (error != 0 ? CommandStatus.Failed : CommandStatus.Ok) | slotIccStatus(slot);
  reply(RdrToPc.SlotStatus, status, error & 0xff, slotClockStatus(slot) & 0x03, 0);
}

/**
 * Parameters with the parameters now in force; bProtocolNum is the specific byte in success and
 * failure alike (osmo-ccid-firmware once sent it as 0, iso7816-and-ccid.md §C7).
 */
function replyParameters(slot: i32, error: i32): void {
  const packed = slotGetParameters(slot, params);
  const protocol = (packed >> 8) & 0xff;
  let n = packed & 0xff;
  if (n > T1_PARAMETERS_LENGTH) n = T1_PARAMETERS_LENGTH;
  memory.copy(answerData(), params, <usize>n);
  const status = (error != 0 ? CommandStatus.Failed : CommandStatus.Ok) | slotIccStatus(slot);
  reply(RdrToPc.Parameters, status, error & 0xff, protocol, n);
}

/** The RDR_to_PC answer type of each command (osmo gen_err_resp); 0 for an unknown type. */
function answerTypeFor(type: i32): i32 {
  switch (type) {
    case PcToRdr.IccPowerOn:
    case PcToRdr.XfrBlock:
    case PcToRdr.Secure:
      return RdrToPc.DataBlock;
    case PcToRdr.IccPowerOff:
    case PcToRdr.GetSlotStatus:
    case PcToRdr.IccClock:
    case PcToRdr.T0Apdu:
    case PcToRdr.Mechanical:
    case PcToRdr.Abort:
      return RdrToPc.SlotStatus;
    case PcToRdr.GetParameters:
    case PcToRdr.ResetParameters:
    case PcToRdr.SetParameters:
      return RdrToPc.Parameters;
    case PcToRdr.Escape:
      return RdrToPc.Escape;
    case PcToRdr.SetDataRateAndClockFrequency:
      return RdrToPc.DataRateAndClockFrequency;
  }
  return 0;
}

/** Commands that carry abData; the others must have dwLength 0. */
function hasData(type: i32): bool {
  return (
    type == PcToRdr.XfrBlock ||
    type == PcToRdr.SetParameters ||
    type == PcToRdr.Escape ||
    type == PcToRdr.Secure ||
    type == PcToRdr.SetDataRateAndClockFrequency
  );
}

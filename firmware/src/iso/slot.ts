// The slot API between the CCID command processor (firmware/src/ccid) and the ISO 7816-3 layer
// (firmware/src/iso). Every function returns at once; long operations complete later through
// `slotDone` (firmware/src/ccid/slot-events.ts). One operation per slot at a time: the CCID
// layer answers CMD_SLOT_BUSY itself (this layer answers it too, defensively). Slots are
// independent: each has its own state, buffers and timer (TIMER_SLOT_BASE + slot).
import {
  IccStatus,
  CcidError,
  ClockCommand,
  ClockStatus,
  ProtocolNum,
  ERROR_INDEX_SLOT,
  ERROR_INDEX_LENGTH,
  ERROR_INDEX_PARAMETER,
  ERROR_INDEX_DATA,
} from '../../../protocol/ccid-constants';
import { DiagnosticsTag } from '../../../protocol/native-constants';
import { DEFAULT_F, DEFAULT_D } from '../../../protocol/iso7816-tables';
import { RxStatus } from '../../hal-constants';
import { card_clock, card_present } from '../hal';
import { slotDone, slotPresence } from '../ccid/slot-events';
import { PENDING, MAX_COMMAND_LENGTH } from './iso7816';
import { Slot, Phase, Operation, slotAt, validSlot } from './slot-state';
import { SLOT_COUNT } from '../../hal-constants';
import { Params } from './parameters';
import { count, counter, countersClear } from './counters';
import { coldReset, releaseReset, deactivate } from './activation';
import { startPowerOn, atrOnByte, atrOnTimeout, ppsEnd, ifsEnd, failPowerOn } from './session';
import {
  startTransmit,
  runTransmit,
  t0OnByte,
  t0OnTimeout,
  t1Result,
  hostPpsResult,
  abortTransmit,
  exchangeExpired,
  setExchangeLimitSource,
  ExchangeLimitSource,
} from './exchange';

/**
 * Where the whole-exchange limit comes from (ms, read at the start of each exchange; the
 * firmware wires its configuration, ConfigTag.ExchangeLimit). Until set: EXCHANGE_LIMIT_DEFAULT_S.
 */
export function slotsSetExchangeLimitSource(source: ExchangeLimitSource): void {
  setExchangeLimitSource(source);
}

/** Called once from `init` (again after a panic): every slot off, nothing allocated. */
export function slotsInit(): void {
  for (let i: i32 = 0; i < SLOT_COUNT; i++) slotAt(i).clear();
  countersClear();
}

/**
 * Activates the card: power class from bPowerSelect (0 = automatic: class C, then B, then A as
 * ISO 7816-3 prescribes), cold reset, ATR, one warm reset after a bad or missing ATR, then (at
 * APDU level) PPS and the T=1 IFSD exchange. Completes with slotDone(slot, 0, atrPtr, atrLen)
 * or slotDone(slot, CcidError.…, 0, 0). An active card is deactivated and activated afresh.
 */
export function slotPowerOn(slot: i32, powerSelect: i32, apduLevel: bool): void {
  if (!validSlot(slot)) {
    slotDone(slot, ERROR_INDEX_SLOT, 0, 0);
    return;
  }
  const s = slotAt(slot);
  if (s.operation != Operation.None) {
    slotDone(slot, CcidError.CmdSlotBusy, 0, 0);
    return;
  }
  startPowerOn(s, powerSelect, apduLevel);
}

/** Deactivates the card at once (no completion event; an operation in progress is dropped). */
export function slotPowerOff(slot: i32): void {
  if (!validSlot(slot)) return;
  const s = slotAt(slot);
  deactivate(s);
  s.operation = Operation.None;
}

/** bmICCStatus for this slot right now. */
export function slotIccStatus(slot: i32): i32 {
  if (!validSlot(slot) || card_present(slot) == 0) return IccStatus.NoIcc;
  const phase = slotAt(slot).phase;
  return phase == Phase.Off || phase == Phase.Reactivation
    ? IccStatus.PresentInactive
    : IccStatus.PresentActive;
}

/**
 * Sends a command and completes with the card's answer: slotDone(slot, 0, ptr, len) or an error.
 * TPDU level (compat): one T=0 TPDU, or one complete T=1 block, or a PPS request (FF …) right
 * after the ATR; the answer is the card's bytes (T=0: data + SW1 SW2 / T=1: one block / PPS
 * response). APDU level (native): one complete short or extended APDU; the layer runs T=0
 * (61xx / 6Cxx / ENVELOPE) or T=1 (chaining, WTX, error recovery) and answers the full R-APDU.
 * The bytes at ptr are copied before the call returns.
 */
export function slotTransmit(slot: i32, ptr: usize, len: i32, apduLevel: bool): void {
  if (!validSlot(slot)) {
    slotDone(slot, ERROR_INDEX_SLOT, 0, 0);
    return;
  }
  const s = slotAt(slot);
  if (s.operation != Operation.None) {
    slotDone(slot, CcidError.CmdSlotBusy, 0, 0);
    return;
  }
  if (s.phase != Phase.Active) {
    slotDone(slot, CcidError.IccMute, 0, 0);
    return;
  }
  if (len <= 0 || len > MAX_COMMAND_LENGTH) {
    slotDone(slot, ERROR_INDEX_LENGTH, 0, 0);
    return;
  }
  startTransmit(s, ptr, len, apduLevel);
}

/**
 * Current parameters: writes abProtocolData (5 bytes for T=0, 7 for T=1) at `out` and returns
 * (bProtocolNum << 8) | length.
 */
export function slotGetParameters(slot: i32, out: usize): i32 {
  if (!validSlot(slot)) return 0;
  return slotAt(slot).params.write(out);
}

/**
 * Sets parameters from a SetParameters message; returns 0 or a CcidError (bError; or the index
 * 1..0x7F of the offending byte). At TPDU level this only records them and sets the UART. At
 * APDU level the reader negotiated the rate and protocol itself: those cannot change here.
 */
export function slotSetParameters(slot: i32, protocol: i32, ptr: usize, len: i32): i32 {
  if (!validSlot(slot)) return ERROR_INDEX_SLOT;
  const s = slotAt(slot);
  if (s.operation != Operation.None) return CcidError.CmdSlotBusy;
  const active = s.phase == Phase.Active;
  const inverse = active ? s.params.inverse : (load<u8>(ptr + 1) & 0x02) != 0;
  const bad = Params.check(protocol, ptr, len, inverse);
  if (bad != 0) return bad;
  if (active && s.apduLevel) {
    if (protocol != s.params.protocol) return ERROR_INDEX_PARAMETER;
    if (<i32>load<u8>(ptr) != s.params.fiDi) return ERROR_INDEX_DATA; // bmFindexDindex
  }
  const changed = protocol != s.params.protocol || <i32>load<u8>(ptr) != s.params.fiDi;
  s.params.read(protocol, ptr);
  s.params.inverse = inverse;
  if (active) {
    s.hostPpsAllowed = false; // the host settled the parameters
    s.params.applyUart(slot, protocol == ProtocolNum.T1);
    if (changed) s.t1.reset();
  }
  return 0;
}

/** Restores the parameters the activation ended with; returns 0 or a CcidError. */
export function slotResetParameters(slot: i32): i32 {
  if (!validSlot(slot)) return ERROR_INDEX_SLOT;
  const s = slotAt(slot);
  if (s.operation != Operation.None) return CcidError.CmdSlotBusy;
  s.params.copyFrom(s.sessionParams);
  if (s.phase == Phase.Active) {
    s.params.applyUart(slot, s.params.protocol == ProtocolNum.T1);
    s.t1.reset();
  }
  return 0;
}

/** Ends the exchange in progress, if any: completes it with CcidError.CmdAborted. */
export function slotAbort(slot: i32): void {
  if (!validSlot(slot)) return;
  const s = slotAt(slot);
  if (s.operation == Operation.PowerOn) failPowerOn(s, CcidError.CmdAborted);
  else if (s.operation == Operation.Transmit) abortTransmit(s, CcidError.CmdAborted);
}

/**
 * IccClock: 0 restart, 1 stop; returns 0 or a CcidError. The clock stops only if the ATR allows
 * it (clock stop indicator); XfrBlock restarts it by itself.
 */
export function slotClock(slot: i32, command: i32): i32 {
  if (!validSlot(slot)) return ERROR_INDEX_SLOT;
  const s = slotAt(slot);
  if (s.operation != Operation.None) return CcidError.CmdSlotBusy;
  if (command != ClockCommand.Restart && command != ClockCommand.Stop) {
    return ERROR_INDEX_PARAMETER;
  }
  if (s.phase != Phase.Active) return CcidError.IccMute;
  if (command == ClockCommand.Stop) {
    // The ATR does not allow clock stop: refused as a bClockCommand this card cannot take
    // (CMD_NOT_SUPPORTED is 0x00, which reads as success in this return value).
    if (s.params.clockStop == 0) return ERROR_INDEX_PARAMETER;
    card_clock(slot, 0);
    s.clockStopped = true;
  } else if (s.clockStopped) {
    card_clock(slot, s.clockKhz);
    s.clockStopped = false;
  }
  return 0;
}

/** bClockStatus for SlotStatus. */
export function slotClockStatus(slot: i32): i32 {
  if (!validSlot(slot)) return ClockStatus.StoppedUnknown;
  const s = slotAt(slot);
  if (s.phase == Phase.Off || s.phase == Phase.Reactivation) return ClockStatus.StoppedUnknown;
  if (!s.clockStopped) return ClockStatus.Running;
  if (s.params.clockStop == 1) return ClockStatus.StoppedLow;
  if (s.params.clockStop == 2) return ClockStatus.StoppedHigh;
  return ClockStatus.StoppedUnknown;
}

/**
 * The card clock in force, kHz: the activation clock (5 MHz class A, 4 MHz B and C; never
 * changed afterwards), or 0 while the card is off or its clock is stopped (IccClock).
 */
export function slotClockKhz(slot: i32): i32 {
  if (!validSlot(slot)) return 0;
  const s = slotAt(slot);
  if (s.phase == Phase.Off || s.phase == Phase.Reactivation || s.clockStopped) return 0;
  return s.clockKhz;
}

/**
 * The data rate on the card line, bits per second: clock · D / F with the F and D in force (the
 * ATR's 372 / 1 until the session's parameters apply); 0 when slotClockKhz is 0.
 */
export function slotDataRate(slot: i32): i32 {
  const khz = slotClockKhz(slot);
  if (khz == 0) return 0;
  const s = slotAt(slot);
  const session =
    s.phase == Phase.Active ||
    s.phase == Phase.T0 ||
    s.phase == Phase.T1 ||
    s.phase == Phase.ClockRestart;
  const f: i64 = session ? <i64>s.params.f() : <i64>DEFAULT_F;
  const d: i64 = session ? <i64>s.params.d() : <i64>DEFAULT_D;
  return <i32>((<i64>khz * 1000 * d) / f);
}

/**
 * A line counter of the slot (protocol/native-constants.ts DiagnosticsTag 0x01..0x06): parity
 * errors reported by the UART, waiting times that ran out (TS, ATR gaps and the whole-ATR bound,
 * PPS, WWT, BWT, CWT), warm resets, T=1 blocks asked for or sent again, RESYNCH requests, and
 * activations (cold resets). 0 for any other tag or slot. Wraps at 2^32.
 */
export function slotCounter(slot: i32, tag: i32): u32 {
  return counter(slot, tag);
}

/** Every slot's line counters back to 0 (DiagnosticsReset). */
export function slotCountersReset(): void {
  countersClear();
}

// Events routed from main.ts.

// The character path: one call per card character, so the common cases come first.
export function slotOnRx(slot: i32, byte: i32, status: i32): void {
  if (<u32>slot >= <u32>SLOT_COUNT) return;
  if (status != RxStatus.Ok) count(slot, DiagnosticsTag.SlotParityErrors);
  const s = slotAt(slot);
  const b = byte & 0xff;
  const phase = s.phase;
  if (phase == Phase.T0) t0OnByte(s, b, status);
  else if (phase == Phase.T1) t1OnEvent(s, s.t1.onByte(b, status));
  else if (phase == Phase.Atr) atrOnByte(s, b, status);
  else if (phase == Phase.Pps) ppsOnByte(s, b, status);
  // else nobody waits for a character: ignored
}

export function slotOnTimeout(slot: i32): void {
  if (!validSlot(slot)) return;
  const s = slotAt(slot);
  if (waitsForCard(s.phase)) count(slot, DiagnosticsTag.SlotTimeouts);
  switch (s.phase) {
    case Phase.Atr:
      atrOnTimeout(s);
      break;
    case Phase.Pps:
      if (s.operation == Operation.PowerOn) ppsEnd(s, -1);
      else hostPpsResult(s, CcidError.IccMute);
      break;
    case Phase.T0:
      t0OnTimeout(s);
      break;
    case Phase.T1:
      t1OnEvent(s, s.t1.onTimeout());
      break;
    default:
      break;
  }
}

export function slotOnTimer(slot: i32): void {
  if (!validSlot(slot)) return;
  const s = slotAt(slot);
  switch (s.phase) {
    case Phase.ResetLow:
      releaseReset(s);
      break;
    case Phase.Reactivation:
      coldReset(s);
      break;
    case Phase.Atr: // the whole-ATR bound
      count(slot, DiagnosticsTag.SlotTimeouts);
      atrOnTimeout(s);
      break;
    case Phase.ClockRestart:
      runTransmit(s);
      break;
    case Phase.T0:
    case Phase.T1:
    case Phase.Pps: // the host's PPS at TPDU level
      if (s.operation == Operation.Transmit) exchangeExpired(s);
      else if (s.phase == Phase.T1 && s.operation == Operation.PowerOn) {
        count(slot, DiagnosticsTag.SlotTimeouts);
        ifsEnd(s, CcidError.IccMute); // the activation's S(IFS) exchange, bounded likewise
      }
      break;
    default:
      break;
  }
}

/** Presence switch changed; removal deactivates the slot and fails any exchange with IccMute. */
export function slotOnPresence(slot: i32, present: i32): void {
  if (!validSlot(slot)) return;
  const s = slotAt(slot);
  if (present == 0) {
    const operation = s.operation;
    deactivate(s);
    if (operation == Operation.PowerOn) failPowerOn(s, CcidError.IccMute);
    else if (operation == Operation.Transmit) abortTransmit(s, CcidError.IccMute);
  }
  slotPresence(slot, present);
}

/** Phases in which a waiting time runs for the card's next character. */
function waitsForCard(phase: Phase): bool {
  return phase == Phase.Atr || phase == Phase.Pps || phase == Phase.T0 || phase == Phase.T1;
}

function ppsOnByte(s: Slot, byte: i32, status: i32): void {
  const r = s.pps.onByte(byte, status);
  if (r == PENDING) return;
  if (s.operation == Operation.PowerOn) ppsEnd(s, r == 0 ? s.pps.accepted() : -1);
  else hostPpsResult(s, r);
}

function t1OnEvent(s: Slot, result: i32): void {
  if (s.operation == Operation.PowerOn) {
    if (result != PENDING) ifsEnd(s, result);
  } else {
    t1Result(s, result);
  }
}

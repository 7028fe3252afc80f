// The slot API between the CCID command processor (firmware/src/ccid) and the ISO 7816-3 layer
// (firmware/src/iso). Every function returns at once; long operations complete later through
// `slotDone` (firmware/src/ccid/slot-events.ts). One operation per slot at a time: the CCID
// layer answers CMD_SLOT_BUSY itself.
//
// STUB: the ISO 7816-3 layer replaces these bodies (issue 4); the signatures are the contract.
import { IccStatus, CcidError } from '../../../protocol/ccid-constants';
import { slotDone } from '../ccid/slot-events';

/** Called once from `init`. */
export function slotsInit(): void {}

/**
 * Activates the card: power class from bPowerSelect (0 = automatic: class C, then B, then A as
 * ISO 7816-3 prescribes), cold reset, ATR, one warm reset after a bad or missing ATR, then (at
 * APDU level) PPS and the T=1 IFSD exchange. Completes with slotDone(slot, 0, atrPtr, atrLen)
 * or slotDone(slot, CcidError.…, 0, 0).
 */
export function slotPowerOn(slot: i32, powerSelect: i32, apduLevel: bool): void {
  slotDone(slot, CcidError.IccMute, 0, 0);
}

/** Deactivates the card at once (no completion event). */
export function slotPowerOff(slot: i32): void {}

/** bmICCStatus for this slot right now. */
export function slotIccStatus(slot: i32): i32 {
  return IccStatus.NoIcc;
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
  slotDone(slot, CcidError.IccMute, 0, 0);
}

/**
 * Current parameters: writes abProtocolData (5 bytes for T=0, 7 for T=1) at `out` and returns
 * (bProtocolNum << 8) | length.
 */
export function slotGetParameters(slot: i32, out: usize): i32 {
  return 0;
}

/**
 * Sets parameters from a SetParameters message; returns 0 or a CcidError (bError; or the index
 * 1..0x7F of the offending byte). At TPDU level this only records them and sets the UART.
 */
export function slotSetParameters(slot: i32, protocol: i32, ptr: usize, len: i32): i32 {
  return CcidError.CmdNotSupported;
}

/** Restores the ATR's default parameters; returns 0 or a CcidError. */
export function slotResetParameters(slot: i32): i32 {
  return CcidError.CmdNotSupported;
}

/** Ends the exchange in progress, if any: completes it with CcidError.CmdAborted. */
export function slotAbort(slot: i32): void {}

/** IccClock: 0 restart, 1 stop; returns 0 or a CcidError. */
export function slotClock(slot: i32, command: i32): i32 {
  return CcidError.CmdNotSupported;
}

/** bClockStatus for SlotStatus. */
export function slotClockStatus(slot: i32): i32 {
  return 0;
}

// Events routed from main.ts.
export function slotOnRx(slot: i32, byte: i32, status: i32): void {}
export function slotOnTimeout(slot: i32): void {}
export function slotOnTimer(slot: i32): void {}
/** Presence switch changed; removal deactivates the slot and fails any exchange with IccMute. */
export function slotOnPresence(slot: i32, present: i32): void {}

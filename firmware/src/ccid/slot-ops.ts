// The slot operations the CCID layer calls: the API of firmware/src/iso/slot.ts, as a table that
// init fills once (osmo-ccid-firmware's ccid_slot_ops). The firmware wires the ISO 7816-3 layer;
// the CCID test harness (firmware/src/harness) wires a scripted slot layer. No closures: plain
// function references, called indirectly.
import { IccStatus, CcidError } from '../../../protocol/ccid-constants';
import { slotDone } from './slot-events';

export type PowerOnOp = (slot: i32, powerSelect: i32, apduLevel: bool) => void;
export type TransmitOp = (slot: i32, ptr: usize, len: i32, apduLevel: bool) => void;
export type SlotActionOp = (slot: i32) => void;
export type SlotQueryOp = (slot: i32) => i32;
export type GetParametersOp = (slot: i32, out: usize) => i32;
export type SetParametersOp = (slot: i32, protocol: i32, ptr: usize, len: i32) => i32;
export type ClockOp = (slot: i32, command: i32) => i32;
export type CounterOp = (slot: i32, tag: i32) => u32;
export type ResetOp = () => void;

// Until init wires a slot layer: no card, every operation fails.
function noPowerOn(slot: i32, powerSelect: i32, apduLevel: bool): void {
  slotDone(slot, CcidError.HwError, 0, 0);
}
function noTransmit(slot: i32, ptr: usize, len: i32, apduLevel: bool): void {
  slotDone(slot, CcidError.HwError, 0, 0);
}
function noAction(slot: i32): void {}
function noIcc(slot: i32): i32 {
  return IccStatus.NoIcc;
}
function zero(slot: i32): i32 {
  return 0;
}
function noParameters(slot: i32, out: usize): i32 {
  return 0;
}
function noSetParameters(slot: i32, protocol: i32, ptr: usize, len: i32): i32 {
  return CcidError.HwError;
}
function hwError(slot: i32): i32 {
  return CcidError.HwError;
}
function noClock(slot: i32, command: i32): i32 {
  return CcidError.HwError;
}
function noCounter(slot: i32, tag: i32): u32 {
  return 0;
}
function noReset(): void {}

let powerOnOp: PowerOnOp = noPowerOn;
let powerOffOp: SlotActionOp = noAction;
let iccStatusOp: SlotQueryOp = noIcc;
let transmitOp: TransmitOp = noTransmit;
let getParametersOp: GetParametersOp = noParameters;
let setParametersOp: SetParametersOp = noSetParameters;
let resetParametersOp: SlotQueryOp = hwError;
let abortOp: SlotActionOp = noAction;
let clockOp: ClockOp = noClock;
let clockStatusOp: SlotQueryOp = zero;
let clockKhzOp: SlotQueryOp = zero;
let dataRateOp: SlotQueryOp = zero;
let counterOp: CounterOp = noCounter;
let countersResetOp: ResetOp = noReset;

export function setSlotOps(
  powerOn: PowerOnOp,
  powerOff: SlotActionOp,
  iccStatus: SlotQueryOp,
  transmit: TransmitOp,
  getParameters: GetParametersOp,
  setParameters: SetParametersOp,
  resetParameters: SlotQueryOp,
  abort: SlotActionOp,
  clock: ClockOp,
  clockStatus: SlotQueryOp,
  clockKhz: SlotQueryOp,
  dataRate: SlotQueryOp,
  counter: CounterOp,
  countersReset: ResetOp,
): void {
  powerOnOp = powerOn;
  powerOffOp = powerOff;
  iccStatusOp = iccStatus;
  transmitOp = transmit;
  getParametersOp = getParameters;
  setParametersOp = setParameters;
  resetParametersOp = resetParameters;
  abortOp = abort;
  clockOp = clock;
  clockStatusOp = clockStatus;
  clockKhzOp = clockKhz;
  dataRateOp = dataRate;
  counterOp = counter;
  countersResetOp = countersReset;
}

// The same names and meanings as firmware/src/iso/slot.ts (see there for each contract).
export function slotPowerOn(slot: i32, powerSelect: i32, apduLevel: bool): void {
  powerOnOp(slot, powerSelect, apduLevel);
}
export function slotPowerOff(slot: i32): void {
  powerOffOp(slot);
}
export function slotIccStatus(slot: i32): i32 {
  return iccStatusOp(slot) & 0x03;
}
export function slotTransmit(slot: i32, ptr: usize, len: i32, apduLevel: bool): void {
  transmitOp(slot, ptr, len, apduLevel);
}
export function slotGetParameters(slot: i32, out: usize): i32 {
  return getParametersOp(slot, out);
}
export function slotSetParameters(slot: i32, protocol: i32, ptr: usize, len: i32): i32 {
  return setParametersOp(slot, protocol, ptr, len);
}
export function slotResetParameters(slot: i32): i32 {
  return resetParametersOp(slot);
}
export function slotAbort(slot: i32): void {
  abortOp(slot);
}
export function slotClock(slot: i32, command: i32): i32 {
  return clockOp(slot, command);
}
export function slotClockStatus(slot: i32): i32 {
  return clockStatusOp(slot);
}
export function slotClockKhz(slot: i32): i32 {
  return clockKhzOp(slot);
}
export function slotDataRate(slot: i32): i32 {
  return dataRateOp(slot);
}
export function slotCounter(slot: i32, tag: i32): u32 {
  return counterOp(slot, tag);
}
export function slotCountersReset(): void {
  countersResetOp();
}

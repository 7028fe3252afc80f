// Entry of the ISO layer's unit-test module (firmware/test/iso/): the HAL events routed to the
// slot layer, the slot API as exports, and the completions reported to the test through three
// `env` imports. Not part of firmware.wasm. It lives here, not in firmware/test/, because
// tsconfig.json type-checks firmware/test/** as TypeScript and this file is AssemblyScript.
import '../panic';
import { setSlotHandlers } from '../ccid/slot-events';
import { TIMER_SLOT_BASE } from '../timers';
import { SLOT_COUNT } from '../../hal-constants';
import { MAX_COMMAND_LENGTH } from './iso7816';
import {
  slotsInit,
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
  slotCounter,
  slotCountersReset,
  slotOnRx,
  slotOnTimeout,
  slotOnTimer,
  slotOnPresence,
  slotsSetExchangeLimitSource,
} from './slot';

declare function slot_done(slot: i32, error: i32, ptr: usize, len: i32): void;
declare function slot_waiting(slot: i32, multiplier: i32): void;
declare function slot_presence(slot: i32, present: i32): void;

const INPUT_CAPACITY: i32 = MAX_COMMAND_LENGTH;
const input = memory.data(INPUT_CAPACITY);
const output = memory.data(16);

function onDone(slot: i32, error: i32, ptr: usize, len: i32): void {
  slot_done(slot, error, ptr, len);
}
function onWaiting(slot: i32, multiplier: i32): void {
  slot_waiting(slot, multiplier);
}
function onPresence(slot: i32, present: i32): void {
  slot_presence(slot, present);
}

/** The whole-exchange limit the tests set (0: the ISO layer's default source). */
let exchangeLimit: i32 = 0;
function testExchangeLimit(): i32 {
  return exchangeLimit;
}

export function set_exchange_limit(ms: i32): void {
  exchangeLimit = ms;
  slotsSetExchangeLimitSource(testExchangeLimit);
}

export function init(): void {
  slotsInit();
  setSlotHandlers(onDone, onWaiting, onPresence);
}

export function on_card_rx(slot: i32, byte: i32, status: i32): void {
  slotOnRx(slot, byte, status);
}
export function on_card_timeout(slot: i32): void {
  slotOnTimeout(slot);
}
export function on_card_presence(slot: i32, present: i32): void {
  slotOnPresence(slot, present);
}
export function on_timer(id: i32): void {
  if (id >= TIMER_SLOT_BASE && id < TIMER_SLOT_BASE + SLOT_COUNT) slotOnTimer(id - TIMER_SLOT_BASE);
}

export function input_buffer(): usize {
  return input;
}
export function input_capacity(): i32 {
  return INPUT_CAPACITY;
}
export function output_buffer(): usize {
  return output;
}

export function power_on(slot: i32, powerSelect: i32, apduLevel: i32): void {
  slotPowerOn(slot, powerSelect, apduLevel != 0);
}
export function power_off(slot: i32): void {
  slotPowerOff(slot);
}
export function icc_status(slot: i32): i32 {
  return slotIccStatus(slot);
}
export function transmit(slot: i32, len: i32, apduLevel: i32): void {
  slotTransmit(slot, input, len, apduLevel != 0);
}
export function get_parameters(slot: i32): i32 {
  return slotGetParameters(slot, output);
}
export function set_parameters(slot: i32, protocol: i32, len: i32): i32 {
  return slotSetParameters(slot, protocol, input, len);
}
export function reset_parameters(slot: i32): i32 {
  return slotResetParameters(slot);
}
export function abort(slot: i32): void {
  slotAbort(slot);
}
export function clock(slot: i32, command: i32): i32 {
  return slotClock(slot, command);
}
export function clock_status(slot: i32): i32 {
  return slotClockStatus(slot);
}
export function clock_khz(slot: i32): i32 {
  return slotClockKhz(slot);
}
export function data_rate(slot: i32): i32 {
  return slotDataRate(slot);
}
export function counter(slot: i32, tag: i32): u32 {
  return slotCounter(slot, tag);
}
export function counters_reset(): void {
  slotCountersReset();
}

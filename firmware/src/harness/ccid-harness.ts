// A test build of the CCID device and host link against a scripted slot layer (in place of the
// ISO 7816-3 layer), so that firmware/test can hold a slot busy, complete it, report WTX or a
// presence change at will. Built by firmware/build.js into firmware/build/ccid-harness.wasm; never
// part of firmware.wasm. It imports only from `hal`, like the firmware.
import '../panic';
import { CCID_HEADER_LENGTH, IccStatus } from '../../../protocol/ccid-constants';
import { NATIVE_MAX_MESSAGE_LENGTH } from '../../../protocol/serial-constants';
import { SLOT_COUNT } from '../../hal-constants';
import { DiagnosticsTag } from '../../../protocol/native-constants';
import { setSlotOps } from '../ccid/slot-ops';
import { setSlotHandlers, slotDone, slotWaiting, slotPresence } from '../ccid/slot-events';
import {
  ccidInit,
  ccidStart,
  ccidOnMessage,
  ccidOnSlotDone,
  ccidOnSlotWaiting,
  ccidOnSlotPresence,
  ccidOnTimer,
} from '../ccid/ccid-device';
import {
  hostLinkInit,
  hostRxBuffer,
  HOST_RX_CAPACITY,
  hostLinkOnRx,
  hostLinkOnTimer,
} from '../link/host-link';
import { TIMER_TIME_EXTENSION_BASE, TIMER_HOST_FRAME } from '../timers';

/** What the scripted slot is doing. */
enum FakeOp {
  None = 0,
  PowerOn = 1,
  Transmit = 2,
}

const DATA_CAPACITY: i32 = NATIVE_MAX_MESSAGE_LENGTH;
const response = memory.data(NATIVE_MAX_MESSAGE_LENGTH);
const lastData = memory.data(NATIVE_MAX_MESSAGE_LENGTH);
const icc = memory.data(SLOT_COUNT * 4);
const op = memory.data(SLOT_COUNT * 4);
const paramProtocol = memory.data(SLOT_COUNT * 4);
const paramLength = memory.data(SLOT_COUNT * 4);
const params = memory.data(SLOT_COUNT * 8);
const clockKhz = memory.data(SLOT_COUNT * 4);
const dataRate = memory.data(SLOT_COUNT * 4);
/** Per-slot counters, tags SlotParityErrors … SlotActivations. */
const COUNTER_TAGS: i32 = DiagnosticsTag.SlotActivations - DiagnosticsTag.SlotParityErrors + 1;
const counters = memory.data(SLOT_COUNT * COUNTER_TAGS * 4);
let counterResets: i32 = 0;

let lastLen: i32 = 0;
let lastApduLevel: i32 = 0;
let lastPowerSelect: i32 = 0;
let lastSlot: i32 = 0;
let powerOffs: i32 = 0;
let aborts: i32 = 0;
let abortCompletes: bool = true;
let syncError: i32 = -1;
let setResult: i32 = 0;
let resetResult: i32 = 0;
let clockResult: i32 = 0;
let clockStatus: i32 = 0;

function word(base: usize, slot: i32): usize {
  return base + ((<usize>slot) << 2);
}

// ---- the scripted slot layer ----

function fakePowerOn(slot: i32, powerSelect: i32, apduLevel: bool): void {
  lastSlot = slot;
  lastPowerSelect = powerSelect;
  lastApduLevel = apduLevel ? 1 : 0;
  store<i32>(word(op, slot), FakeOp.PowerOn);
  if (syncError >= 0) fake_complete(slot, syncError, 0);
}
function fakePowerOff(slot: i32): void {
  powerOffs++;
  if (load<i32>(word(icc, slot)) == IccStatus.PresentActive)
    store<i32>(word(icc, slot), IccStatus.PresentInactive);
}
function fakeIccStatus(slot: i32): i32 {
  return load<i32>(word(icc, slot));
}
function fakeTransmit(slot: i32, ptr: usize, len: i32, apduLevel: bool): void {
  lastSlot = slot;
  lastApduLevel = apduLevel ? 1 : 0;
  lastLen = len < 0 ? 0 : len > DATA_CAPACITY ? DATA_CAPACITY : len;
  memory.copy(lastData, ptr, <usize>lastLen);
  store<i32>(word(op, slot), FakeOp.Transmit);
  if (syncError >= 0) fake_complete(slot, syncError, 0);
}
function fakeGetParameters(slot: i32, out: usize): i32 {
  const n = load<i32>(word(paramLength, slot));
  memory.copy(out, params + ((<usize>slot) << 3), <usize>n);
  return (load<i32>(word(paramProtocol, slot)) << 8) | n;
}
function fakeSetParameters(slot: i32, protocol: i32, ptr: usize, len: i32): i32 {
  if (setResult != 0) return setResult;
  store<i32>(word(paramProtocol, slot), protocol);
  store<i32>(word(paramLength, slot), len);
  memory.copy(params + ((<usize>slot) << 3), ptr, <usize>len);
  return 0;
}
function fakeResetParameters(slot: i32): i32 {
  return resetResult;
}
function fakeAbort(slot: i32): void {
  aborts++;
  if (abortCompletes && load<i32>(word(op, slot)) != FakeOp.None) fake_complete(slot, 0xff, 0);
}
function fakeClock(slot: i32, command: i32): i32 {
  return clockResult;
}
function fakeClockStatus(slot: i32): i32 {
  return clockStatus;
}
function fakeClockKhz(slot: i32): i32 {
  return load<i32>(word(clockKhz, slot));
}
function fakeDataRate(slot: i32): i32 {
  return load<i32>(word(dataRate, slot));
}
function counterAt(slot: i32, tag: i32): usize {
  return counters + <usize>((slot * COUNTER_TAGS + tag - DiagnosticsTag.SlotParityErrors) << 2);
}
function counterKnown(slot: i32, tag: i32): bool {
  return (
    slot >= 0 &&
    slot < SLOT_COUNT &&
    tag >= DiagnosticsTag.SlotParityErrors &&
    tag <= DiagnosticsTag.SlotActivations
  );
}
function fakeCounter(slot: i32, tag: i32): u32 {
  return counterKnown(slot, tag) ? load<u32>(counterAt(slot, tag)) : 0;
}
function fakeCountersReset(): void {
  counterResets++;
  memory.fill(counters, 0, <usize>(SLOT_COUNT * COUNTER_TAGS * 4));
}

// ---- the firmware's exports (firmware/HAL.md), as far as the CCID device needs them ----

export function init(): void {
  for (let s = 0; s < SLOT_COUNT; s++) {
    store<i32>(word(icc, s), IccStatus.NoIcc);
    store<i32>(word(op, s), FakeOp.None);
    store<i32>(word(paramLength, s), 0);
    store<i32>(word(clockKhz, s), 0);
    store<i32>(word(dataRate, s), 0);
  }
  memory.fill(counters, 0, <usize>(SLOT_COUNT * COUNTER_TAGS * 4));
  counterResets = 0;
  setSlotOps(
    fakePowerOn,
    fakePowerOff,
    fakeIccStatus,
    fakeTransmit,
    fakeGetParameters,
    fakeSetParameters,
    fakeResetParameters,
    fakeAbort,
    fakeClock,
    fakeClockStatus,
    fakeClockKhz,
    fakeDataRate,
    fakeCounter,
    fakeCountersReset,
  );
  hostLinkInit(ccidOnMessage);
  ccidInit();
  setSlotHandlers(ccidOnSlotDone, ccidOnSlotWaiting, ccidOnSlotPresence);
  ccidStart();
}
export function host_rx_buffer(): usize {
  return hostRxBuffer();
}
export function host_rx_capacity(): i32 {
  return HOST_RX_CAPACITY;
}
export function on_host_rx(len: i32): void {
  hostLinkOnRx(len);
}
export function on_timer(id: i32): void {
  if (id >= TIMER_TIME_EXTENSION_BASE && id < TIMER_TIME_EXTENSION_BASE + SLOT_COUNT) {
    ccidOnTimer(id - TIMER_TIME_EXTENSION_BASE);
  } else if (id == TIMER_HOST_FRAME) {
    hostLinkOnTimer();
  }
}

// ---- controls for the tests ----

/** Where a test puts the bytes fake_complete answers with. */
export function fake_buffer(): usize {
  return response;
}
export function fake_set_icc(slot: i32, status: i32): void {
  store<i32>(word(icc, slot), status);
}
/** Parameters now in force: `len` bytes from fake_buffer(). */
export function fake_set_parameters(slot: i32, protocol: i32, len: i32): void {
  store<i32>(word(paramProtocol, slot), protocol);
  store<i32>(word(paramLength, slot), len);
  memory.copy(params + ((<usize>slot) << 3), response, <usize>len);
}
export function fake_set_results(set: i32, reset: i32, clock: i32, status: i32): void {
  setResult = set;
  resetResult = reset;
  clockResult = clock;
  clockStatus = status;
}
/** The clock (kHz) and data rate (bps) the slot layer reports as in force. */
export function fake_set_rate(slot: i32, khz: i32, bps: i32): void {
  store<i32>(word(clockKhz, slot), khz);
  store<i32>(word(dataRate, slot), bps);
}
/** Sets a per-slot counter (a DiagnosticsTag 0x01..0x06) of the slot layer. */
export function fake_set_counter(slot: i32, tag: i32, value: u32): void {
  if (counterKnown(slot, tag)) store<u32>(counterAt(slot, tag), value);
}
/** How many times the CCID layer reset the slot layer's counters. */
export function fake_counter_resets(): i32 {
  return counterResets;
}
export function fake_set_abort_completes(completes: i32): void {
  abortCompletes = completes != 0;
}
/** error >= 0: power-on and transmit complete at once with it; -1: they wait for fake_complete. */
export function fake_set_sync(error: i32): void {
  syncError = error;
}
/** Completes the operation on `slot` with `len` bytes of fake_buffer() or an error. */
export function fake_complete(slot: i32, error: i32, len: i32): void {
  const was = load<i32>(word(op, slot));
  store<i32>(word(op, slot), FakeOp.None);
  if (was == FakeOp.PowerOn && error == 0) store<i32>(word(icc, slot), IccStatus.PresentActive);
  slotDone(slot, error, response, len);
}
export function fake_waiting(slot: i32, multiplier: i32): void {
  slotWaiting(slot, multiplier);
}
export function fake_presence(slot: i32, present: i32): void {
  store<i32>(word(icc, slot), present != 0 ? IccStatus.PresentInactive : IccStatus.NoIcc);
  if (present == 0 && load<i32>(word(op, slot)) != FakeOp.None) fake_complete(slot, 0xfe, 0);
  slotPresence(slot, present);
}
export function fake_op(slot: i32): i32 {
  return load<i32>(word(op, slot));
}
export function fake_last_slot(): i32 {
  return lastSlot;
}
export function fake_last_data(): usize {
  return lastData;
}
export function fake_last_len(): i32 {
  return lastLen;
}
export function fake_last_apdu_level(): i32 {
  return lastApduLevel;
}
export function fake_last_power_select(): i32 {
  return lastPowerSelect;
}
export function fake_power_offs(): i32 {
  return powerOffs;
}
export function fake_aborts(): i32 {
  return aborts;
}
/** The header length, so a test can check it compiled the same protocol constants. */
export function fake_header_length(): i32 {
  return CCID_HEADER_LENGTH;
}

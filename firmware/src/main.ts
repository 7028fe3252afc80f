// Firmware entry: the exports of firmware/HAL.md. Each event is routed to the layer that owns it;
// nothing here holds state of its own.
import './panic';
import {
  slotsInit,
  slotOnRx,
  slotOnTimeout,
  slotOnTimer,
  slotOnPresence,
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
  slotsSetExchangeLimitSource,
} from './iso/slot';
import { setSlotOps } from './ccid/slot-ops';
import { setSlotHandlers } from './ccid/slot-events';
import {
  ccidInit,
  ccidStart,
  ccidOnMessage,
  ccidOnSlotDone,
  ccidOnSlotWaiting,
  ccidOnSlotPresence,
  ccidOnTimer,
  ccidOnKey,
  ccidOnPinTimer,
} from './ccid/ccid-device';
import {
  hostLinkInit,
  hostRxBuffer,
  HOST_RX_CAPACITY,
  hostLinkOnRx,
  hostLinkOnTimer,
} from './link/host-link';
import { SLOT_COUNT } from '../hal-constants';
import { configInit, configExchangeLimitMs } from './config/index';
import { uptimeTouch } from './diag/uptime';
import { updateInit, updateOnFlashDone } from './update/index';
import { TIMER_SLOT_BASE, TIMER_TIME_EXTENSION_BASE, TIMER_HOST_FRAME, TIMER_PIN } from './timers';

export function init(): void {
  setSlotOps(
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
  );
  // The configuration area first: the serial number and settings other layers read at init.
  configInit();
  hostLinkInit(ccidOnMessage);
  ccidInit();
  // Handlers first: slotsInit may already report presence.
  setSlotHandlers(ccidOnSlotDone, ccidOnSlotWaiting, ccidOnSlotPresence);
  slotsSetExchangeLimitSource(configExchangeLimitMs);
  slotsInit();
  ccidStart();
  // Last: on a trial boot this runs the self-test and confirms the image (or resets to revert).
  updateInit();
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

export function on_card_rx(slot: i32, byte: i32, status: i32): void {
  if (!isSlot(slot)) return;
  slotOnRx(slot, byte & 0xff, status);
}

export function on_card_timeout(slot: i32): void {
  if (!isSlot(slot)) return;
  slotOnTimeout(slot);
}

export function on_card_presence(slot: i32, present: i32): void {
  uptimeTouch();
  if (!isSlot(slot)) return;
  slotOnPresence(slot, present != 0 ? 1 : 0);
}

/** Keys reach only the PIN pad (digits never leave the firmware, firmware/HAL.md). */
export function on_key(key: i32): void {
  ccidOnKey(key);
}

export function on_timer(id: i32): void {
  uptimeTouch(); // keeps the uptime's gaps short while the host is silent
  if (id >= TIMER_SLOT_BASE && id < TIMER_SLOT_BASE + SLOT_COUNT) {
    slotOnTimer(id - TIMER_SLOT_BASE);
  } else if (id >= TIMER_TIME_EXTENSION_BASE && id < TIMER_TIME_EXTENSION_BASE + SLOT_COUNT) {
    ccidOnTimer(id - TIMER_TIME_EXTENSION_BASE);
  } else if (id == TIMER_HOST_FRAME) {
    hostLinkOnTimer();
  } else if (id == TIMER_PIN) {
    ccidOnPinTimer();
  }
}

export function on_flash_done(status: i32): void {
  updateOnFlashDone(status);
}

/** The runtime only reports slots that exist; a wrong number from it is ignored, never a trap. */
function isSlot(slot: i32): bool {
  return slot >= 0 && slot < SLOT_COUNT;
}

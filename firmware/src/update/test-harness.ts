// Test entry (tests only, never shipped): the update agent and the configuration area behind the
// firmware's exports, with the vendor escape handed in directly instead of through the CCID
// layer. firmware/test/update/build-harness.ts builds it into firmware/build/update-harness.wasm;
// the tests run it on the simulator's flash under the boot stage (simulator/boot).
import './../panic';
import { configEscape, configInit } from '../config/index';
import { updateEscape, updateInit, updateOnFlashDone, bootInfoTlvs, escapeResult } from './index';
import { VendorCommand, VendorStatus } from '../../../protocol/native-constants';

const REQUEST_CAPACITY: i32 = 4096;
const request = memory.data(REQUEST_CAPACITY);
const response = memory.data(256);
const rx = memory.data(64);

export function harness_request(): usize {
  return request;
}
export function harness_response(): usize {
  return response;
}
export function harness_request_capacity(): i32 {
  return REQUEST_CAPACITY;
}

/** One vendor escape: `len` payload bytes at harness_request(); the reply payload at harness_response(). */
export function harness_escape(command: i32, len: i32): i32 {
  if (len < 0 || len > REQUEST_CAPACITY) len = REQUEST_CAPACITY;
  if (command == VendorCommand.ConfigRead || command == VendorCommand.ConfigWrite)
    return configEscape(command, request, len, response, 256);
  // DeviceInfo as far as this module knows it: the boot stage's tags (the rest is the CCID
  // layer's, firmware/src/ccid/device-info.ts).
  if (command == VendorCommand.DeviceInfo)
    return len != 0
      ? escapeResult(VendorStatus.BadLength, 0)
      : escapeResult(VendorStatus.Ok, bootInfoTlvs(response));
  return updateEscape(command, request, len, response, 256);
}

export function init(): void {
  configInit();
  updateInit();
}

export function on_flash_done(status: i32): void {
  updateOnFlashDone(status);
}

// The rest of the firmware's exports (HAL.md), idle here.
export function host_rx_buffer(): usize {
  return rx;
}
export function host_rx_capacity(): i32 {
  return 64;
}
export function on_host_rx(len: i32): void {}
export function on_card_rx(slot: i32, byte: i32, status: i32): void {}
export function on_card_timeout(slot: i32): void {}
export function on_card_presence(slot: i32, present: i32): void {}
export function on_key(key: i32): void {}
export function on_timer(id: i32): void {}

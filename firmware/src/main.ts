// Firmware entry: the exports of firmware/HAL.md.
import './panic';
import { host_send } from './hal';

const HOST_RX_CAPACITY: i32 = 512;
const hostRx = memory.data(HOST_RX_CAPACITY);

export function init(): void {}
export function host_rx_buffer(): usize {
  return hostRx;
}
export function host_rx_capacity(): i32 {
  return HOST_RX_CAPACITY;
}
export function on_host_rx(len: i32): void {
  host_send(hostRx, len);
}
export function on_card_rx(slot: i32, byte: i32, status: i32): void {}
export function on_card_timeout(slot: i32): void {}
export function on_card_presence(slot: i32, present: i32): void {}
export function on_key(key: i32): void {}
export function on_timer(id: i32): void {}
export function on_flash_done(status: i32): void {}

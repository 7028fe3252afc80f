// TypeScript types of the hardware contract (firmware/HAL.md). The simulator implements
// `HalImports` and drives `FirmwareExports`; firmware/src/hal.ts declares the same imports for asc.
export * from './hal-constants.ts';

/** Functions the firmware imports from the WebAssembly module `hal`. */
export interface HalImports {
  // card interface, per slot
  card_power(slot: number, voltage: number): void;
  card_clock(slot: number, khz: number): void;
  card_reset(slot: number, high: number): void;
  card_uart(slot: number, f: number, d: number, n: number, flags: number): void;
  card_send(slot: number, ptr: number, len: number): void;
  card_wait(slot: number, etu: number): void;
  card_present(slot: number): number;
  // host link
  host_send(ptr: number, len: number): void;
  // time
  timer_set(id: number, ms: number): void;
  timer_cancel(id: number): void;
  now_ms(): number;
  // keypad (events only), display, beeper
  display_clear(): void;
  display_text(row: number, col: number, ptr: number, len: number): void;
  beep(hz: number, ms: number): void;
  // flash
  flash_size(): number;
  flash_sector_size(): number;
  flash_write_align(): number;
  flash_read(addr: number, ptr: number, len: number): number;
  flash_erase(addr: number, len: number): void;
  flash_write(addr: number, ptr: number, len: number): void;
  // boot stage and system
  boot_confirm(): void;
  boot_request_update(permanent: number): void;
  system_reset(): void;
  device_uid(ptr: number, cap: number): number;
  log(level: number, ptr: number, len: number): void;
  panic(line: number, column: number): void;
}

/** Names of every import, for the test that checks the module's import section. */
export const HAL_IMPORT_NAMES: readonly (keyof HalImports)[] = [
  'card_power',
  'card_clock',
  'card_reset',
  'card_uart',
  'card_send',
  'card_wait',
  'card_present',
  'host_send',
  'timer_set',
  'timer_cancel',
  'now_ms',
  'display_clear',
  'display_text',
  'beep',
  'flash_size',
  'flash_sector_size',
  'flash_write_align',
  'flash_read',
  'flash_erase',
  'flash_write',
  'boot_confirm',
  'boot_request_update',
  'system_reset',
  'device_uid',
  'log',
  'panic',
];

/** The WebAssembly import module name. */
export const HAL_MODULE = 'hal';

/** Event handlers and buffers the firmware exports. */
export interface FirmwareExports {
  memory: WebAssembly.Memory;
  init(): void;
  host_rx_buffer(): number;
  host_rx_capacity(): number;
  on_host_rx(len: number): void;
  on_card_rx(slot: number, byte: number, status: number): void;
  on_card_timeout(slot: number): void;
  on_card_presence(slot: number, present: number): void;
  on_key(key: number): void;
  on_timer(id: number): void;
  on_flash_done(status: number): void;
}

export const FIRMWARE_EXPORT_NAMES: readonly (keyof FirmwareExports)[] = [
  'memory',
  'init',
  'host_rx_buffer',
  'host_rx_capacity',
  'on_host_rx',
  'on_card_rx',
  'on_card_timeout',
  'on_card_presence',
  'on_key',
  'on_timer',
  'on_flash_done',
];

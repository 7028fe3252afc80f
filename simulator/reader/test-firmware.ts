// A tiny firmware written by hand in WebAssembly text, for the reader's own tests: it lets a test
// provoke a panic, a trap, a HAL misuse, a system reset, timers, keys, display text and flash
// operations, and it echoes everything else. Built with binaryen (installed with assemblyscript).
import binaryen from 'binaryen';
import { FirmwareImage } from './firmware-image.ts';

// Host commands (first byte of a chunk):
//   01 panic(12, 34) then trap     02 trap          03 card_send on slot 7 (HAL misuse)
//   04 system_reset                05 timer 0 in 10 ms, on_timer sends EE <id>
//   06 display "🔒 PIN" on row 0    07 flash_write 8 bytes at 0 from the rx buffer + 1
//   08 card_power slot 0 class B, clock 4 MHz, then RST high after timer 1 (1 ms)
//   09 re-enter check: host_send then panic if called re-entrantly (never happens)
//   anything else: echoed back
// Events reported to the host: on_key → 4B <key>; on_flash_done → 46 <status>;
// on_card_rx → 43 <byte> <status>; on_card_presence → 50 <slot> <present>; init → log "init".
const WAT = String.raw`
(module
  (import "hal" "host_send" (func $host_send (param i32 i32)))
  (import "hal" "panic" (func $panic (param i32 i32)))
  (import "hal" "card_send" (func $card_send (param i32 i32 i32)))
  (import "hal" "card_power" (func $card_power (param i32 i32)))
  (import "hal" "card_clock" (func $card_clock (param i32 i32)))
  (import "hal" "card_reset" (func $card_reset (param i32 i32)))
  (import "hal" "system_reset" (func $system_reset))
  (import "hal" "timer_set" (func $timer_set (param i32 i32)))
  (import "hal" "display_text" (func $display_text (param i32 i32 i32 i32)))
  (import "hal" "flash_write" (func $flash_write (param i32 i32 i32)))
  (import "hal" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 2 2)
  (data (i32.const 1024) "init")
  (data (i32.const 1040) "\f0\9f\94\92 PIN")
  (global $rx i32 (i32.const 4096))
  (global $out i32 (i32.const 8192))
  (func $send2 (param $a i32) (param $b i32)
    (i32.store8 (global.get $out) (local.get $a))
    (i32.store8 (i32.add (global.get $out) (i32.const 1)) (local.get $b))
    (call $host_send (global.get $out) (i32.const 2)))
  (func $send3 (param $a i32) (param $b i32) (param $c i32)
    (i32.store8 (global.get $out) (local.get $a))
    (i32.store8 (i32.add (global.get $out) (i32.const 1)) (local.get $b))
    (i32.store8 (i32.add (global.get $out) (i32.const 2)) (local.get $c))
    (call $host_send (global.get $out) (i32.const 3)))
  (func (export "init") (call $log (i32.const 2) (i32.const 1024) (i32.const 4)))
  (func (export "host_rx_buffer") (result i32) (global.get $rx))
  (func (export "host_rx_capacity") (result i32) (i32.const 256))
  (func (export "on_host_rx") (param $len i32) (local $c i32)
    (local.set $c (i32.load8_u (global.get $rx)))
    (if (i32.eq (local.get $c) (i32.const 1)) (then (call $panic (i32.const 12) (i32.const 34)) (unreachable)))
    (if (i32.eq (local.get $c) (i32.const 2)) (then (unreachable)))
    (if (i32.eq (local.get $c) (i32.const 3)) (then (call $card_send (i32.const 7) (global.get $rx) (i32.const 1)) (return)))
    (if (i32.eq (local.get $c) (i32.const 4)) (then (call $system_reset) (return)))
    (if (i32.eq (local.get $c) (i32.const 5)) (then (call $timer_set (i32.const 0) (i32.const 10)) (return)))
    (if (i32.eq (local.get $c) (i32.const 6)) (then (call $display_text (i32.const 0) (i32.const 0) (i32.const 1040) (i32.const 8)) (return)))
    (if (i32.eq (local.get $c) (i32.const 7)) (then (call $flash_write (i32.const 0) (i32.add (global.get $rx) (i32.const 1)) (i32.const 8)) (return)))
    (if (i32.eq (local.get $c) (i32.const 8)) (then
      (call $card_clock (i32.const 0) (i32.const 4000))
      (call $card_power (i32.const 0) (i32.const 2))
      (call $timer_set (i32.const 1) (i32.const 1))
      (return)))
    (call $host_send (global.get $rx) (local.get $len)))
  (func (export "on_card_rx") (param $slot i32) (param $byte i32) (param $status i32)
    (call $send3 (i32.const 0x43) (local.get $byte) (local.get $status)))
  (func (export "on_card_timeout") (param $slot i32))
  (func (export "on_card_presence") (param $slot i32) (param $present i32)
    (call $send3 (i32.const 0x50) (local.get $slot) (local.get $present)))
  (func (export "on_key") (param $key i32) (call $send2 (i32.const 0x4b) (local.get $key)))
  (func (export "on_timer") (param $id i32)
    (if (i32.eq (local.get $id) (i32.const 1)) (then (call $card_reset (i32.const 0) (i32.const 1)) (return)))
    (call $send2 (i32.const 0xee) (local.get $id)))
  (func (export "on_flash_done") (param $status i32) (call $send2 (i32.const 0x46) (local.get $status)))
)`;

export function testFirmwareBytes(): Uint8Array {
  const module = binaryen.parseText(WAT);
  try {
    if (!module.validate()) throw new Error('test firmware does not validate');
    return module.emitBinary();
  } finally {
    module.dispose();
  }
}

export function testFirmware(): Promise<FirmwareImage> {
  return FirmwareImage.fromBytes(testFirmwareBytes(), 'test-firmware');
}

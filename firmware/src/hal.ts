// The HAL imports (firmware/HAL.md), declared for asc. Module `hal`; nothing else is imported.

@external('hal', 'card_power') export declare function card_power(slot: i32, voltage: i32): void;
@external('hal', 'card_clock') export declare function card_clock(slot: i32, khz: i32): void;
@external('hal', 'card_reset') export declare function card_reset(slot: i32, high: i32): void;
@external('hal', 'card_uart')
export declare function card_uart(slot: i32, f: i32, d: i32, n: i32, flags: i32): void;
@external('hal', 'card_send') export declare function card_send(slot: i32, ptr: usize, len: i32): void;
@external('hal', 'card_wait') export declare function card_wait(slot: i32, etu: i32): void;
@external('hal', 'card_present') export declare function card_present(slot: i32): i32;

@external('hal', 'host_send') export declare function host_send(ptr: usize, len: i32): void;

@external('hal', 'timer_set') export declare function timer_set(id: i32, ms: i32): void;
@external('hal', 'timer_cancel') export declare function timer_cancel(id: i32): void;
@external('hal', 'now_ms') export declare function now_ms(): i32;

@external('hal', 'display_clear') export declare function display_clear(): void;
@external('hal', 'display_text')
export declare function display_text(row: i32, col: i32, ptr: usize, len: i32): void;
@external('hal', 'beep') export declare function beep(hz: i32, ms: i32): void;

@external('hal', 'flash_size') export declare function flash_size(): i32;
@external('hal', 'flash_sector_size') export declare function flash_sector_size(): i32;
@external('hal', 'flash_write_align') export declare function flash_write_align(): i32;
@external('hal', 'flash_read') export declare function flash_read(addr: i32, ptr: usize, len: i32): i32;
@external('hal', 'flash_erase') export declare function flash_erase(addr: i32, len: i32): void;
@external('hal', 'flash_write') export declare function flash_write(addr: i32, ptr: usize, len: i32): void;

@external('hal', 'boot_confirm') export declare function boot_confirm(): void;
@external('hal', 'boot_request_update') export declare function boot_request_update(permanent: i32): void;
@external('hal', 'system_reset') export declare function system_reset(): void;
@external('hal', 'device_uid') export declare function device_uid(ptr: usize, cap: i32): i32;
@external('hal', 'log') export declare function log(level: i32, ptr: usize, len: i32): void;
@external('hal', 'panic') export declare function panic(line: i32, column: i32): void;

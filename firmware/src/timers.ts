// Timer ids (HAL timer_set / timer_cancel / on_timer), one fact per owner. TIMER_COUNT = 16.

/** ISO 7816-3 slot timers: activation steps and whole-ATR / exchange bounds. One per slot. */
export const TIMER_SLOT_BASE: i32 = 0; // 0, 1, 2
/** CCID layer: time extension while a slot is busy. One per slot. */
export const TIMER_TIME_EXTENSION_BASE: i32 = 3; // 3, 4, 5
/** PIN entry: first-key / inter-key / overall timeout. */
export const TIMER_PIN: i32 = 8;
/** Firmware update agent and flash housekeeping. */
export const TIMER_UPDATE: i32 = 10;
/** Host link: partial-frame timeout. */
export const TIMER_HOST_FRAME: i32 = 12;

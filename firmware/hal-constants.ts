// Constants of the hardware contract (firmware/HAL.md), shared by the firmware (asc) and the
// simulator (tsc). Portable subset: enums and integer constants only.

/** Slots: 0 = user card (presence switch), 1 and 2 = SAM sockets. */
export const SLOT_COUNT = 3;
export const USER_SLOT = 0;

/** card_power voltage argument. */
export enum VoltageClass {
  Off = 0,
  A = 1, // 5 V
  B = 2, // 3 V
  C = 3, // 1.8 V
}

/** card_uart flags. */
export enum UartFlag {
  /** Inverse convention: the UART inverts and bit-reverses every character (and its parity). */
  Inverse = 0x01,
  /** T=1 character frame: no error signal or repetition; N = 255 gives 11 etu. */
  T1 = 0x02,
}

/** on_card_rx status. */
export enum RxStatus {
  Ok = 0,
  /** Parity error: in T=0 after the card's repetitions ran out; in T=1 on the first one. */
  ParityError = 1,
}

/** on_key key codes. Digits are 0..9. */
export enum Key {
  Digit0 = 0,
  Digit9 = 9,
  Enter = 0x0a,
  Cancel = 0x0b,
  Clear = 0x0c,
  Backspace = 0x0d,
  F1 = 0x11,
  F2 = 0x12,
  F3 = 0x13,
  F4 = 0x14,
}

/** on_flash_done status. */
export enum FlashStatus {
  Ok = 0,
  /** Address, length or alignment outside the geometry. */
  BadRange = 1,
  /** The device reported a failure (worn sector, write to unerased bytes). */
  Failed = 2,
}

/** log level. */
export enum LogLevel {
  Error = 0,
  Warn = 1,
  Info = 2,
  Debug = 3,
}

/**
 * While secure PIN entry is active the display shows this character (U+1F512 LOCK, UTF-8
 * F0 9F 94 92) somewhere on its rows, and only then: the citizen sees that the keypad talks to
 * the card alone, and the simulator starts a scripted key sequence when it appears.
 */
export const SECURE_ENTRY_CODEPOINT = 0x1f512;

/** Display size in character cells; a CJK character takes two cells. */
export const DISPLAY_ROWS = 2;
export const DISPLAY_COLUMNS = 16;

/** Timer ids are small integers chosen by the firmware: 0 .. TIMER_COUNT-1. */
export const TIMER_COUNT = 16;

/** The card clock during activation, in kHz (../shared/design/ARCHITECTURE.md §6 "Clock"). */
export const ACTIVATION_CLOCK_CLASS_A_KHZ = 5000;
export const ACTIVATION_CLOCK_CLASS_B_KHZ = 4000;
export const ACTIVATION_CLOCK_CLASS_C_KHZ = 4000;
/** Largest card clock the reader's hardware can generate, in kHz. */
export const MAX_CARD_CLOCK_KHZ = 20000;
/** Largest character rate the card UART supports: F/D down to this many clocks per etu. */
export const MIN_CLOCKS_PER_ETU = 8;

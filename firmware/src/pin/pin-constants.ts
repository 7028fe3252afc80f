// Limits and codes of secure PIN entry (CCID rev 1.1 §6.1.11, PC_to_RDR_Secure;
// ../shared/reference/iso7816-and-ccid.md §B6, kiosk-cards.md §1.6). Portable subset: the host's
// tests import this file to check that host/pin and the firmware agree (protocol/PROTOCOL.md §4a).

/** The most digits one PIN may have on this keypad: the social security card's 16 (§1.6). */
export const PIN_MAX_DIGITS: i32 = 16;

/**
 * Seconds for the first key of each PIN when bTimeOut is 0 (the CCID "reader default"), until
 * provisioning sets another (ConfigTag.PinTimeout; firmware/src/config reads it).
 */
export const PIN_DEFAULT_TIMEOUT_S: i32 = 30;
/** After a key, the next one must come within this many seconds (or bTimeOut, if shorter). */
export const PIN_INTER_KEY_TIMEOUT_S: i32 = 15;

/**
 * bError of a failed Secure when the holder typed too few or too many digits (native profile).
 * CCID §6.2.6 leaves 0x81..0xC0 to the vendor; F0 (timeout) and EF (cancelled) are the standard's.
 */
export const PIN_ERROR_LENGTH: i32 = 0xc0;
/** bError of a failed PIN modification whose two new PINs differ (native profile). */
export const PIN_ERROR_MISMATCH: i32 = 0xbf;

/**
 * In the compat profile libccid turns bError F0 and EF into the PC/SC part 10 status words
 * 64 00 and 64 01 itself, but any other bError into a communication error; so there the reader
 * answers a too-short/too-long PIN and a mismatch with the part 10 status words directly, in a
 * successful DataBlock, as the IFD handler would.
 */
export const PIN_SW1_SPE: i32 = 0x64;
export const PIN_SW2_MISMATCH: i32 = 0x02;
export const PIN_SW2_LENGTH: i32 = 0x03;

/** Message indexes (bMsgIndex…) of the reader's prompt table. */
export enum PinMessage {
  /** 请输入密码 / Enter PIN (libccid's GemPC table: "ENTER SMARTCARD PIN"). */
  EnterPin = 0,
  /** 请输入新密码 / New PIN ("ENTER NEW PIN"). */
  NewPin = 1,
  /** 请确认新密码 / Repeat new PIN ("CONFIRM NEW PIN"). */
  ConfirmPin = 2,
  /** 请输入原密码 / Old PIN. */
  OldPin = 3,
}
export const PIN_MESSAGE_COUNT: i32 = 4;

/**
 * wLangId values the display knows; any other language gets English, 0 the reader's language
 * (ConfigTag.Language; Chinese (PRC) until provisioning sets another).
 */
export const LANGID_CHINESE_PRC: i32 = 0x0804;
export const LANGID_ENGLISH_US: i32 = 0x0409;

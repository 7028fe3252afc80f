// Limits of secure PIN entry on this keypad (CCID rev 1.1 §6.1.11, PC_to_RDR_Secure;
// ../shared/reference/iso7816-and-ccid.md §B6, kiosk-cards.md §1.6). What the host shares with
// the firmware — the vendor bError values, the part 10 status words, the prompt table and its
// languages — is in protocol/ccid-constants.ts (PinPadError, PinPadSw2, PinMessage, LangId).

/** The most digits one PIN may have on this keypad: the social security card's 16 (§1.6). */
export const PIN_MAX_DIGITS: i32 = 16;

/**
 * Seconds for the first key of each PIN when bTimeOut is 0 (the CCID "reader default"), until
 * provisioning sets another (ConfigTag.PinTimeout; firmware/src/config reads it).
 */
export const PIN_DEFAULT_TIMEOUT_S: i32 = 30;
/** After a key, the next one must come within this many seconds (or bTimeOut, if shorter). */
export const PIN_INTER_KEY_TIMEOUT_S: i32 = 15;

// The serial framing libccid uses for GemPC Twin-style readers (../shared/reference/
// ccid-over-serial.md §2): `03 06` + CCID message + LRC, NAK `03 15 16`, card movement `50 xx`,
// and single time-request bytes 0x80..0xFF between frames. Portable subset (asc and tsc).

export const SYNC = 0x03;
export const CTRL_ACK = 0x06;
export const CTRL_NAK = 0x15;
/** LRC of a NAK frame: SYNC ^ CTRL_NAK. */
export const NAK_LRC = 0x16;
/** A card-movement notification is this byte followed by bmSlotICCState. */
export const NOTIFY_SLOT_CHANGE = 0x50;
/** bmSlotICCState for a one-slot reader as libccid logs it. */
export const SLOT_CARD_ABSENT = 0x02;
export const SLOT_CARD_PRESENT = 0x03;
/** Bytes 0x80..0xFF between frames are "time requests" that a receiver skips. */
export const TIME_REQUEST_MIN = 0x80;

/** SYNC + CTRL before the message, LRC after it. */
export const FRAME_OVERHEAD = 3;

/** libccid's GEMPCTWIN_MAXBUF: (271 + 2 + 1) * 2. */
export const LIBCCID_SERIAL_BUFFER = 548;
/** Largest CCID message (header + data) in the compat profile: what libccid assumes (§7). */
export const COMPAT_MAX_MESSAGE_LENGTH = 271;
/**
 * Largest CCID message (header + data) in the native profile: one extended APDU of 4096 data
 * bytes (CLA INS P1 P2, 00 Lc1 Lc2, data, Le1 Le2 = 4105 bytes) plus the 10-byte header.
 */
export const NATIVE_MAX_MESSAGE_LENGTH = 4115;
/** Largest APDU data field the firmware handles (extended APDUs), in bytes. */
export const MAX_APDU_DATA = 4096;
/**
 * Largest command APDU the firmware handles: an extended case 4 with MAX_APDU_DATA bytes
 * (CLA INS P1 P2, 00 Lc1 Lc2, data, Le1 Le2) = 4105 bytes.
 */
export const MAX_EXTENDED_APDU_LENGTH = 4 + 3 + MAX_APDU_DATA + 2;

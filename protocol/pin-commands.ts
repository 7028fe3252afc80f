// Which command APDUs carry PIN digits in their data field: VERIFY (INS 20), CHANGE REFERENCE
// DATA (24), RESET RETRY COUNTER (2C), in any class, and the social security card's CHANGE PIN
// (CLA 8x INS 5E, kiosk-cards.md §1.5). The reader puts typed digits only into these, and traces
// mask their data fields. Portable subset: compiled by asc (firmware) and tsc (host, simulator).
//
// mayCarryPin is the wider rule for commands that come from outside the reader — the raw APDUs
// a host application sends (the service's raw APDU route, the CLI's `apdu`): a command that might
// take a PIN typed on the PC to the card is refused there. It adds the odd instructions (21, 25,
// 2D: the same commands with BER-TLV data, ISO 7816-4 §5.1.2), 5E in every proprietary class
// (CLA b8 = 1), and what hides a command inside another: ENVELOPE (C2, C3) and command chaining
// (CLA b5), whose pieces cannot be inspected one at a time.

import { INS_ENVELOPE } from './iso7816/t0-transport.ts';

export const INS_VERIFY = 0x20;
export const INS_CHANGE_REFERENCE_DATA = 0x24;
export const INS_RESET_RETRY_COUNTER = 0x2c;
/** The social security card's CHANGE PIN, with a proprietary class (CLA 8x). */
export const INS_SSC_CHANGE_PIN = 0x5e;
/** CLA b8: a proprietary class (ISO 7816-4 §5.4.1). */
export const CLA_PROPRIETARY = 0x80;
/** CLA b5 in the interindustry classes: more pieces of this command follow (ISO 7816-4 §5.4.1). */
export const CLA_CHAINING = 0x10;
/** INS b1: the odd instruction of a pair, with BER-TLV data (ISO 7816-4 §5.1.2). */
const INS_ODD = 0x01;

/** Whether the firmware may put typed digits into this command (and traces mask its data). */
export function isPinCommand(cla: i32, ins: i32): bool {
  if (ins == INS_VERIFY || ins == INS_CHANGE_REFERENCE_DATA || ins == INS_RESET_RETRY_COUNTER)
    return true;
  return ins == INS_SSC_CHANGE_PIN && (cla & 0xf0) == 0x80;
}

/**
 * Whether a command with this class and instruction may carry PIN data, or hide a command that
 * does: INS 20/21, 24/25, 2C/2D in any class, 5E in any proprietary class, ENVELOPE (C2/C3), and
 * any class with the chaining bit. Every command isPinCommand names is one of these.
 */
export function mayCarryPin(cla: i32, ins: i32): bool {
  const pair = ins & ~INS_ODD & 0xff;
  if (
    pair == INS_VERIFY ||
    pair == INS_CHANGE_REFERENCE_DATA ||
    pair == INS_RESET_RETRY_COUNTER ||
    pair == INS_ENVELOPE
  )
    return true;
  if ((cla & CLA_CHAINING) != 0) return true;
  return ins == INS_SSC_CHANGE_PIN && (cla & CLA_PROPRIETARY) != 0;
}

/**
 * mayCarryPin for a whole command APDU of `length` bytes starting with `cla` and `ins`: a command
 * without a data field (4 bytes, or 5 with a short Le) carries nothing — VERIFY without data asks
 * for the tries left — so only longer ones are refused.
 */
export function apduMayCarryPin(cla: i32, ins: i32, length: i32): bool {
  return length > 5 && mayCarryPin(cla, ins);
}

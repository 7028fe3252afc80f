// Status words (ISO/IEC 7816-4 §5.1.3): the social security card specification's table
// (《社会保障(个人)卡规范》 Part 5 table 5, quoted in kiosk-cards.md §1.5) plus the ISO 7816-4
// groups it does not list. The host reads them, the simulated card answers with them.

/** The status words with a fixed meaning, by name. */
export const SW = {
  OK: 0x9000,
  // ISO 7816-4 §5.1.3 table 6 warnings, not in the SSC table but answered by EMV and generic cards.
  PART_CORRUPTED: 0x6281,
  END_OF_FILE: 0x6282,
  FILE_DEACTIVATED: 0x6283,
  VERIFICATION_FAILED: 0x6300,
  MEMORY_FAILURE: 0x6581,
  WRONG_LENGTH: 0x6700,
  INVALID_STATE: 0x6901,
  FILE_STRUCTURE: 0x6981,
  SECURITY_NOT_SATISFIED: 0x6982,
  AUTH_BLOCKED: 0x6983,
  REFERENCED_DATA_INVALID: 0x6984,
  CONDITIONS_NOT_SATISFIED: 0x6985,
  NO_CURRENT_EF: 0x6986,
  SM_DATA_WRONG: 0x6988,
  WRONG_DATA: 0x6a80,
  FUNCTION_NOT_SUPPORTED: 0x6a81,
  FILE_NOT_FOUND: 0x6a82,
  RECORD_NOT_FOUND: 0x6a83,
  NOT_ENOUGH_MEMORY: 0x6a84,
  WRONG_P1P2: 0x6a86,
  NC_INCONSISTENT: 0x6a87,
  KEY_NOT_FOUND: 0x6a88,
  WRONG_OFFSET: 0x6b00,
  INS_NOT_SUPPORTED: 0x6d00,
  CLA_NOT_SUPPORTED: 0x6e00,
  NO_PRECISE_DIAGNOSIS: 0x6f00,
  MAC_INVALID: 0x9302,
  APPLICATION_BLOCKED: 0x9303,
  INSUFFICIENT_FUNDS: 0x9401,
  COUNTER_AT_MAXIMUM: 0x9402,
  KEY_INDEX_NOT_SUPPORTED: 0x9403,
  MAC_NOT_AVAILABLE: 0x9406,
} as const;

import { SW1_BYTES_AVAILABLE, SW1_WRONG_LE } from './t0-transport.ts';

/** 61xx and 6Cxx (T=0 transport, t0-transport.ts), here with the other status words. */
export { SW1_BYTES_AVAILABLE, SW1_WRONG_LE };
/** SW1 of 63Cx: verification or authentication failed, x tries left. */
const SW1_WARNING_CHANGED = 0x63;
const SW2_TRIES_MARK = 0xc0;

/** 63Cx: verification or authentication failed, x tries left (0 = now blocked). */
export function swTriesLeft(tries: number): number {
  return (SW1_WARNING_CHANGED << 8) | SW2_TRIES_MARK | Math.max(0, Math.min(15, tries));
}

/** The x of 63Cx (tries left after a failed verification or authentication), else undefined. */
export function swTriesLeftOf(sw: number): number | undefined {
  return sw >> 8 === SW1_WARNING_CHANGED && (sw & 0xf0) === SW2_TRIES_MARK ? sw & 0x0f : undefined;
}

/** 6Cxx: wrong Le, xx = the exact length (00 = 256). */
export function swExactLength(n: number): number {
  return (SW1_WRONG_LE << 8) | (n & 0xff);
}

/** How a status word ends a command (ISO 7816-4 §5.1.3: normal, warning, execution/checking error). */
export type StatusWordKind = 'ok' | 'more-data' | 'warning' | 'wrong-length' | 'error';

export interface StatusWordMeaning {
  sw: number;
  kind: StatusWordKind;
  /** Short English meaning. */
  text: string;
  /** 61xx: bytes still available (GET RESPONSE); 6Cxx: the exact Le to use. 0 means 256. */
  available?: number;
  /** 63Cx: tries left. */
  triesLeft?: number;
}

/** Exact status words with a fixed meaning (§1.5 table, then ISO 7816-4 additions). */
const EXACT: ReadonlyMap<number, [StatusWordKind, string]> = new Map([
  [SW.OK, ['ok', 'normal processing']],
  [SW.MEMORY_FAILURE, ['error', 'memory failure']],
  [SW.WRONG_LENGTH, ['error', 'wrong length (Lc)']],
  [SW.INVALID_STATE, ['error', 'command not accepted (invalid state)']],
  [SW.FILE_STRUCTURE, ['error', 'command incompatible with the file structure']],
  [SW.SECURITY_NOT_SATISFIED, ['error', 'security status not satisfied']],
  [SW.AUTH_BLOCKED, ['error', 'authentication method blocked']],
  [SW.REFERENCED_DATA_INVALID, ['error', 'referenced data invalid']],
  [SW.CONDITIONS_NOT_SATISFIED, ['error', 'conditions of use not satisfied']],
  [SW.NO_CURRENT_EF, ['error', 'command not allowed (no current EF)']],
  [SW.SM_DATA_WRONG, ['error', 'secure messaging data object incorrect']],
  [SW.WRONG_DATA, ['error', 'wrong parameters in the data field']],
  [SW.FUNCTION_NOT_SUPPORTED, ['error', 'function not supported']],
  [SW.FILE_NOT_FOUND, ['error', 'file not found']],
  [SW.RECORD_NOT_FOUND, ['error', 'record not found']],
  [SW.WRONG_P1P2, ['error', 'wrong parameters P1-P2']],
  [SW.KEY_NOT_FOUND, ['error', 'referenced data (key) not found']],
  [SW.WRONG_OFFSET, ['error', 'wrong parameters (offset beyond the EF)']],
  [SW.INS_NOT_SUPPORTED, ['error', 'instruction not supported']],
  [SW.CLA_NOT_SUPPORTED, ['error', 'class not supported']],
  [SW.NO_PRECISE_DIAGNOSIS, ['error', 'data invalid (no precise diagnosis)']],
  [SW.MAC_INVALID, ['error', 'MAC invalid']],
  [SW.APPLICATION_BLOCKED, ['error', 'application permanently blocked']],
  [SW.INSUFFICIENT_FUNDS, ['error', 'insufficient funds']],
  [SW.COUNTER_AT_MAXIMUM, ['error', 'transaction counter at its maximum']],
  [SW.KEY_INDEX_NOT_SUPPORTED, ['error', 'key index not supported']],
  [SW.MAC_NOT_AVAILABLE, ['error', 'required MAC not available']],
  [SW.PART_CORRUPTED, ['warning', 'part of the returned data may be corrupted']],
  [SW.END_OF_FILE, ['warning', 'end of file or record reached before reading Ne bytes']],
  [SW.FILE_DEACTIVATED, ['warning', 'selected file deactivated']],
  [SW.NOT_ENOUGH_MEMORY, ['error', 'not enough memory space in the file']],
  [SW.NC_INCONSISTENT, ['error', 'Nc inconsistent with P1-P2']],
]);

function isStatusWord(sw: number): boolean {
  return Number.isInteger(sw) && sw >= 0 && sw <= 0xffff;
}

/** The meaning of a status word; never throws (an out-of-range value is an 'error' of its own). */
export function statusWordMeaning(sw: number): StatusWordMeaning {
  if (!isStatusWord(sw)) return { sw, kind: 'error', text: 'not a status word' };
  const exact = EXACT.get(sw);
  if (exact) return { sw, kind: exact[0], text: exact[1] };
  const sw1 = sw >> 8;
  const sw2 = sw & 0xff;
  if (sw1 === SW1_BYTES_AVAILABLE)
    return { sw, kind: 'more-data', text: `${sw2 || 256} bytes available`, available: sw2 || 256 };
  if (sw1 === SW1_WRONG_LE)
    return {
      sw,
      kind: 'wrong-length',
      text: `wrong Le; ${sw2 || 256} bytes available`,
      available: sw2 || 256,
    };
  const triesLeft = swTriesLeftOf(sw);
  if (triesLeft !== undefined) {
    return { sw, kind: 'error', text: `authentication failed, ${triesLeft} tries left`, triesLeft };
  }
  // ISO 7816-4 §5.1.3: 62xx and 63xx are warnings (state unchanged / changed); 90xx is not
  // defined by the SSC specification, other 9xxx are application-specific errors.
  if (sw1 === 0x62 || sw1 === SW1_WARNING_CHANGED) return { sw, kind: 'warning', text: 'warning' };
  return { sw, kind: 'error', text: 'unknown status word' };
}

/** The status word as four uppercase hex digits, e.g. `6A82`. */
export function formatStatusWord(sw: number): string {
  return (sw & 0xffff).toString(16).toUpperCase().padStart(4, '0');
}

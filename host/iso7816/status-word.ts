// Status words: the SSC specification's table (《社会保障(个人)卡规范》 Part 5 table 5, quoted in
// kiosk-cards.md §1.5) plus the ISO 7816-4 §5.1.3 groups it does not list.

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

export const SW_OK = 0x9000;

/** Exact status words with a fixed meaning (§1.5 table, then ISO 7816-4 additions). */
const EXACT: ReadonlyMap<number, [StatusWordKind, string]> = new Map([
  [0x9000, ['ok', 'normal processing']],
  [0x6581, ['error', 'memory failure']],
  [0x6700, ['error', 'wrong length (Lc)']],
  [0x6901, ['error', 'command not accepted (invalid state)']],
  [0x6981, ['error', 'command incompatible with the file structure']],
  [0x6982, ['error', 'security status not satisfied']],
  [0x6983, ['error', 'authentication method blocked']],
  [0x6984, ['error', 'referenced data invalid']],
  [0x6985, ['error', 'conditions of use not satisfied']],
  [0x6986, ['error', 'command not allowed (no current EF)']],
  [0x6988, ['error', 'secure messaging data object incorrect']],
  [0x6a80, ['error', 'wrong parameters in the data field']],
  [0x6a81, ['error', 'function not supported']],
  [0x6a82, ['error', 'file not found']],
  [0x6a83, ['error', 'record not found']],
  [0x6a86, ['error', 'wrong parameters P1-P2']],
  [0x6a88, ['error', 'referenced data (key) not found']],
  [0x6b00, ['error', 'wrong parameters (offset beyond the EF)']],
  [0x6d00, ['error', 'instruction not supported']],
  [0x6e00, ['error', 'class not supported']],
  [0x6f00, ['error', 'data invalid (no precise diagnosis)']],
  [0x9302, ['error', 'MAC invalid']],
  [0x9303, ['error', 'application permanently blocked']],
  [0x9401, ['error', 'insufficient funds']],
  [0x9402, ['error', 'transaction counter at its maximum']],
  [0x9403, ['error', 'key index not supported']],
  [0x9406, ['error', 'required MAC not available']],
  // ISO 7816-4 §5.1.3 table 6, not in the SSC table but answered by EMV and generic cards.
  [0x6281, ['warning', 'part of the returned data may be corrupted']],
  [0x6282, ['warning', 'end of file or record reached before reading Ne bytes']],
  [0x6283, ['warning', 'selected file deactivated']],
  [0x6a84, ['error', 'not enough memory space in the file']],
  [0x6a87, ['error', 'Nc inconsistent with P1-P2']],
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
  if (sw1 === 0x61)
    return { sw, kind: 'more-data', text: `${sw2 || 256} bytes available`, available: sw2 || 256 };
  if (sw1 === 0x6c)
    return {
      sw,
      kind: 'wrong-length',
      text: `wrong Le; ${sw2 || 256} bytes available`,
      available: sw2 || 256,
    };
  if (sw1 === 0x63 && (sw2 & 0xf0) === 0xc0) {
    const triesLeft = sw2 & 0x0f;
    return { sw, kind: 'error', text: `authentication failed, ${triesLeft} tries left`, triesLeft };
  }
  // ISO 7816-4 §5.1.3: 62xx and 63xx are warnings (state unchanged / changed); 90xx is not
  // defined by the SSC specification, other 9xxx are application-specific errors.
  if (sw1 === 0x62 || sw1 === 0x63) return { sw, kind: 'warning', text: 'warning' };
  return { sw, kind: 'error', text: 'unknown status word' };
}

/** The status word as four uppercase hex digits, e.g. `6A82`. */
export function formatStatusWord(sw: number): string {
  return (sw & 0xffff).toString(16).toUpperCase().padStart(4, '0');
}

// Byte traces quoted from ../shared/reference/ccid-over-serial.md, as the reference prints them,
// and a parser for that notation. Tests decode them and re-encode them byte for byte.

import { fromHex } from '../bytes.ts';

/** §11.1: GemPCTwin start-up and one APDU (echo frames not shown in the reference). */
export const STARTUP_TRACE_11_1 = `
H 03 06 6B 01 00 00 00 00 00 00 00 00 02 6D            Escape 02 (get firmware)
R 03 06 83 0D 00 00 00 00 00 01 00 00 "GemTwin V1.10" 89
H 03 06 6B 03 00 00 00 00 01 00 00 00 01 01 01 6D      Escape 01 01 01
R 03 06 83 00 00 00 00 00 01 01 00 00 86
H 03 06 65 00 00 00 00 00 02 00 00 00 62               GetSlotStatus
R 03 06 81 00 00 00 00 00 02 01 00 00 87               bStatus=01 (present, inactive)
H 03 06 6B 01 00 00 00 00 04 00 00 00 6A 01            Escape 6A (firmware features)
R 03 06 83 00 00 00 00 00 04 41 00 00 C3               failed / CMD_NOT_SUPPORTED (accepted)
H 03 06 62 00 00 00 00 00 08 01 00 00 6E               IccPowerOn 5 V
R 03 06 80 04 00 00 00 00 08 00 00 00 3B 02 14 50 F4   DataBlock: ATR
H 03 06 61 05 00 00 00 00 36 00 00 00 11 00 00 0A 00 4C  SetParameters T=0
R 03 06 82 05 00 00 00 00 36 00 00 00 11 00 00 0A 00 AF
H 03 06 6F 07 00 00 00 00 37 00 00 00 00 A4 04 00 02 3F 00 C7   XfrBlock (TPDU)
R 03 06 80 02 00 00 00 00 37 00 00 00 90 00 20
`;

/** §10.3: PIN verify and modify frames as observed on the pseudo-terminal. */
export const PIN_VERIFY_10_3 =
  '03 06 69 1C 00 00 00 00 44 00 00 00 | 00 | 1E 82 00 47 08 04 02 01 09 04 00 00 00 00 | 00 20 00 01 08 FF*8 | C4';
export const PIN_MODIFY_10_3 =
  '03 06 69 29 00 00 00 00 45 00 00 00 | 01 | 1E 82 00 47 00 08 08 04 03 02 03 09 04 00 01 02 00 00 00 | 00 24 00 01 10 FF*16 | E7';
/** §10.3's answer with xx (bSeq) = 44, the verify's, and its LRC filled in. */
export const PIN_ANSWER_10_3 = '03 06 80 02 00 00 00 00 44 00 00 00 90 00 53';

export interface TraceLine {
  readonly from: 'H' | 'R';
  readonly bytes: Uint8Array;
}

/**
 * Parses the reference's notation: hex bytes, `|` separators, `XX*n` repeats and "quoted ASCII";
 * everything after the last byte-like token (a trailing comment) is ignored.
 */
export function parseTraceBytes(text: string): Uint8Array {
  const out: number[] = [];
  let rest = text.trim();
  for (;;) {
    rest = rest.replace(/^\s+/, '');
    if (rest === '') break;
    const m = /^(?:"([^"]*)"|([0-9A-Fa-f]{2})(?:\*(\d+))?(?=\s|\||$)|\|)/.exec(rest);
    if (m === null) break; // the comment starts here
    if (m[1] !== undefined) for (const c of m[1]) out.push(c.charCodeAt(0));
    else if (m[2] !== undefined) {
      const n = m[3] === undefined ? 1 : Number(m[3]);
      for (let i = 0; i < n; i++) out.push(...fromHex(m[2]));
    }
    rest = rest.slice(m[0].length);
  }
  return Uint8Array.from(out);
}

export function parseTrace(trace: string): TraceLine[] {
  return trace
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^[HR] /.test(l))
    .map((l) => ({ from: l[0] as 'H' | 'R', bytes: parseTraceBytes(l.slice(2)) }));
}

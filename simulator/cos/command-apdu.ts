// A command APDU as the card receives it. The ISO/IEC 7816-3 §12.1.3 decoding (the four cases,
// short and extended length fields) is protocol/iso7816/apdu.ts; this adds the card's view: a
// card never throws on a malformed command (null, and the card answers 6700), Le = 00 is a
// wildcard, and T=0 sends a case-3 command with Lc = 0 as a bare 5-byte header.
import {
  EXTENDED_NE_MAX,
  parseCommandApdu,
  SHORT_NE_MAX,
  type ParsedCommandApdu,
} from '../../protocol/iso7816/apdu.ts';
import { isIso7816FormatError } from '../../protocol/iso7816/format-error.ts';

export interface CardCommand {
  cla: number;
  ins: number;
  p1: number;
  p2: number;
  /** Command data (Nc bytes; empty when there is no Lc field). */
  data: Uint8Array;
  /** Whether an Lc field was present (Lc = 0 can only be sent as a case-3 T=0 header). */
  hasLc: boolean;
  /** Ne: 1…256 (short) or 1…65 536 (extended); null when there is no Le field. */
  ne: number | null;
  /** The Le field was 00 (short) or 0000 (extended): "as many as available, up to Ne". */
  leWildcard: boolean;
  extended: boolean;
}

/**
 * T=0 sends a case-3 command with P3 = Lc = 0 as a 5-byte header; `caseThree` says that the
 * command carries data (ApduProcessor.t0CommandHasData), so a 5-byte APDU is Lc = 0, not Le.
 */
export function decodeCommand(apdu: Uint8Array, caseThree = false): CardCommand | null {
  if (caseThree && apdu.length === 5 && apdu[4] === 0) {
    const [cla, ins, p1, p2] = apdu;
    const data = new Uint8Array(0);
    return { cla, ins, p1, p2, data, hasLc: true, ne: null, leWildcard: false, extended: false };
  }
  let c: ParsedCommandApdu;
  try {
    c = parseCommandApdu(apdu);
  } catch (e) {
    if (isIso7816FormatError(e)) return null;
    throw e;
  }
  const ne = c.ne ?? null;
  return {
    cla: c.cla,
    ins: c.ins,
    p1: c.p1,
    p2: c.p2,
    data: c.data,
    hasLc: c.data.length > 0,
    ne,
    // Le = 00 (0000) is the only encoding of the largest Ne.
    leWildcard: ne === (c.extended ? EXTENDED_NE_MAX : SHORT_NE_MAX),
    extended: c.extended,
  };
}

/**
 * ISO 7816-4 command cases by INS: the commands that carry data (cases 3 and 4), for T=0,
 * where P3 is Lc for these and Le for the others.
 */
const INS_WITH_DATA = new Set([
  0xa4, // SELECT
  0x20, // VERIFY
  0x24, // CHANGE / RELOAD PIN
  0x2c, // RESET RETRY COUNTER
  0x5e, // CHANGE PIN (SSC, CLA 80)
  0x82, // EXTERNAL AUTHENTICATE
  0x88, // INTERNAL AUTHENTICATE
  0xa8, // GET PROCESSING OPTIONS
  0xd6, // UPDATE BINARY
  0xdc, // UPDATE RECORD
  0xe2, // APPEND RECORD
  0xde, // DELIVERY SESSION KEY (PSAM)
  0xfa, // CIPHER DATA (PSAM)
]);

export function insCarriesData(ins: number): boolean {
  return INS_WITH_DATA.has(ins);
}

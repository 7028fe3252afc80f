// Decoding a command APDU as the card receives it (ISO/IEC 7816-3 §12.1.3 and 7816-4 §5.1: the
// four cases, short and extended length fields). A card never throws on a malformed command: the
// decoder returns null and the card answers 6700.

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
  if (apdu.length < 4) return null;
  const base = { cla: apdu[0], ins: apdu[1], p1: apdu[2], p2: apdu[3] };
  const none = new Uint8Array(0);
  if (apdu.length === 4) {
    return { ...base, data: none, hasLc: false, ne: null, leWildcard: false, extended: false };
  }
  if (apdu.length === 5) {
    if (caseThree && apdu[4] === 0) {
      return { ...base, data: none, hasLc: true, ne: null, leWildcard: false, extended: false };
    }
    const le = apdu[4];
    return {
      ...base,
      data: none,
      hasLc: false,
      ne: le || 256,
      leWildcard: le === 0,
      extended: false,
    };
  }
  if (apdu[4] !== 0) {
    const lc = apdu[4];
    const data = apdu.slice(5, 5 + lc);
    if (apdu.length === 5 + lc) {
      return { ...base, data, hasLc: true, ne: null, leWildcard: false, extended: false };
    }
    if (apdu.length === 6 + lc) {
      const le = apdu[5 + lc];
      return { ...base, data, hasLc: true, ne: le || 256, leWildcard: le === 0, extended: false };
    }
    return null;
  }
  // Extended length: B1 = 00, then two bytes.
  if (apdu.length < 7) return null;
  const n = (apdu[5] << 8) | apdu[6];
  if (apdu.length === 7) {
    return {
      ...base,
      data: none,
      hasLc: false,
      ne: n || 65536,
      leWildcard: n === 0,
      extended: true,
    };
  }
  if (n === 0) return null;
  const data = apdu.slice(7, 7 + n);
  if (apdu.length === 7 + n) {
    return { ...base, data, hasLc: true, ne: null, leWildcard: false, extended: true };
  }
  if (apdu.length === 9 + n) {
    const le = (apdu[7 + n] << 8) | apdu[8 + n];
    return { ...base, data, hasLc: true, ne: le || 65536, leWildcard: le === 0, extended: true };
  }
  return null;
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

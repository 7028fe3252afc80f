// How APDUs travel over T=0 (ISO/IEC 7816-3 §10.3.3, 7816-4 §5.1 and §7.6; iso7816-and-ccid.md
// §A8): the card says 61xx when xx more bytes wait for GET RESPONSE and 6Cxx when Le was wrong
// (xx is the right one); a command too long for one TPDU travels in ENVELOPE commands. The reader
// (firmware) sends these commands and reads these status bytes, the simulated card answers them.
// Portable subset: compiled by asc (firmware) and tsc (host, simulator).

/** GET RESPONSE: fetches the bytes a 61xx announced. */
export const INS_GET_RESPONSE = 0xc0;
/** ENVELOPE: carries a piece of a C-APDU longer than one TPDU (CLA' C2 00 00 P3). */
export const INS_ENVELOPE = 0xc2;
/** SW1 of 61xx: xx more bytes available, fetched with GET RESPONSE (ISO 7816-3 §10.3.3). */
export const SW1_BYTES_AVAILABLE = 0x61;
/** SW1 of 6Cxx: wrong Le, xx is the exact length (ISO 7816-3 §10.3.3). */
export const SW1_WRONG_LE = 0x6c;

/**
 * CLA of GET RESPONSE and ENVELOPE (interindustry commands, ISO 7816-4 §5.4.1) sent for a command
 * of class `cla`: for an interindustry class the command's logical channel and secure-messaging
 * bits (first interindustry 0x00..0x0F: b4..b1; further interindustry 0x40..0x7F: b7 and the
 * channel in b4..b1), without the command-chaining bit; for a proprietary class (b8 set) 00.
 */
export function interindustryCla(cla: i32): i32 {
  if ((cla & 0x80) != 0) return 0x00;
  return (cla & 0x40) != 0 ? cla & 0x4f : cla & 0x0f;
}

// SIMPLE-TLV (ISO/IEC 7816-4 §5.2.1: tag 1 byte 01–FE, length 1 byte or FF + 2 bytes) for the
// SSC and health-card records, and a BER-TLV encoder (ISO/IEC 7816-4 §5.2.2) for FCIs and EMV.

import { concatBytes } from '../../protocol/bytes.ts';

/** Parses a whole record as exactly one SIMPLE-TLV data object; null if it is not one. */
export function parseSimpleTlv(record: Uint8Array): { tag: number; value: Uint8Array } | null {
  if (record.length < 2) return null;
  const tag = record[0];
  if (tag === 0x00 || tag === 0xff) return null;
  let len = record[1];
  let at = 2;
  if (len === 0xff) {
    if (record.length < 4) return null;
    len = (record[2] << 8) | record[3];
    at = 4;
  }
  if (record.length !== at + len) return null;
  return { tag, value: record.subarray(at) };
}

export function simpleTlv(tag: number, value: Uint8Array): Uint8Array {
  const head =
    value.length < 0xff ? [tag, value.length] : [tag, 0xff, value.length >> 8, value.length & 0xff];
  return concatBytes([Uint8Array.from(head), value]);
}

/** BER-TLV length octets (definite form). */
function berLength(n: number): number[] {
  if (n < 0x80) return [n];
  if (n < 0x100) return [0x81, n];
  return [0x82, n >> 8, n & 0xff];
}

/** One BER-TLV object; `tag` as its bytes (e.g. 0x9f0c → 9F 0C). */
export function berTlv(tag: number, ...values: Uint8Array[]): Uint8Array {
  const value = concatBytes(values);
  const tagBytes =
    tag > 0xffff
      ? [tag >> 16, (tag >> 8) & 0xff, tag & 0xff]
      : tag > 0xff
        ? [tag >> 8, tag & 0xff]
        : [tag];
  return concatBytes([Uint8Array.from([...tagBytes, ...berLength(value.length)]), value]);
}

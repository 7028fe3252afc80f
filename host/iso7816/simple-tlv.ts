// SIMPLE-TLV, ISO/IEC 7816-4 §5.2: tag 1 byte (01 … FE), length 1 byte (00 … FE) or FF followed
// by 2 bytes (0 … 65 535), then the value. The SSC records are SIMPLE-TLV, and the tag is also the
// record identifier (kiosk-cards.md §1.3).
import { Iso7816FormatError } from '../../protocol/iso7816/format-error.ts';

export interface SimpleTlv {
  tag: number;
  value: Uint8Array;
}

/** Parses a run of SIMPLE-TLV objects filling `bytes` exactly (e.g. READ RECORD with P2 = 05). */
export function parseSimpleTlvs(bytes: Uint8Array): SimpleTlv[] {
  const out: SimpleTlv[] = [];
  let i = 0;
  while (i < bytes.length) {
    const tag = bytes[i];
    if (tag === 0x00 || tag === 0xff)
      throw new Iso7816FormatError(
        'simple-tlv',
        `invalid tag ${tag.toString(16).padStart(2, '0')}`,
        i,
      );
    if (i + 1 >= bytes.length) throw new Iso7816FormatError('simple-tlv', 'missing length', i + 1);
    let len = bytes[i + 1];
    let start = i + 2;
    if (len === 0xff) {
      if (i + 3 >= bytes.length)
        throw new Iso7816FormatError('simple-tlv', 'truncated 3-byte length', i + 1);
      len = (bytes[i + 2] << 8) | bytes[i + 3];
      start = i + 4;
    }
    if (start + len > bytes.length)
      throw new Iso7816FormatError('simple-tlv', `value of ${len} bytes runs past the end`, start);
    out.push({ tag, value: bytes.slice(start, start + len) });
    i = start + len;
  }
  return out;
}

/** Parses exactly one SIMPLE-TLV object (one record). */
export function parseSimpleTlv(bytes: Uint8Array): SimpleTlv {
  const all = parseSimpleTlvs(bytes);
  if (all.length !== 1)
    throw new Iso7816FormatError('simple-tlv', `expected one object, found ${all.length}`);
  return all[0];
}

export function encodeSimpleTlv(tlv: SimpleTlv): Uint8Array {
  const { tag, value } = tlv;
  if (!Number.isInteger(tag) || tag < 0x01 || tag > 0xfe)
    throw new Iso7816FormatError('simple-tlv', `tag must be 01 … FE, got ${tag}`);
  if (value.length > 0xffff)
    throw new Iso7816FormatError('simple-tlv', `value of ${value.length} bytes exceeds 65 535`);
  const head =
    value.length < 0xff ? [tag, value.length] : [tag, 0xff, value.length >> 8, value.length & 0xff];
  const out = new Uint8Array(head.length + value.length);
  out.set(head);
  out.set(value, head.length);
  return out;
}

export function encodeSimpleTlvs(tlvs: readonly SimpleTlv[]): Uint8Array {
  const parts = tlvs.map(encodeSimpleTlv);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let i = 0;
  for (const p of parts) {
    out.set(p, i);
    i += p.length;
  }
  return out;
}

// BER-TLV as ISO/IEC 7816-4 §5.2 and EMV Book 3 Annex B use it: tags of 1 … 3 bytes (low five
// bits 11111 → more tag bytes follow while b8 = 1), definite lengths (short form, or 81 / 82 / 83
// followed by 1 … 3 bytes), constructed objects (b6 of the first tag byte) nest.
import { Iso7816FormatError } from '../../protocol/iso7816/format-error.ts';

export interface BerTlv {
  /** The tag bytes as one number, e.g. 0x9F0C, 0x6F, 0x5F20. */
  tag: number;
  constructed: boolean;
  value: Uint8Array;
  /** Parsed children of a constructed object. */
  children?: BerTlv[];
}

export interface BerParseOptions {
  /**
   * EMV Book 3 Annex B: 00 bytes may pad before, between and after objects. Skipped by default;
   * set false for strict ISO parsing.
   */
  skipZeroPadding?: boolean;
}

const MAX_TAG_BYTES = 3;
const MAX_DEPTH = 16;

export function parseBerTlvs(bytes: Uint8Array, options: BerParseOptions = {}): BerTlv[] {
  return parseLevel(bytes, 0, bytes.length, options.skipZeroPadding ?? true, 0);
}

function parseLevel(
  bytes: Uint8Array,
  from: number,
  to: number,
  skipZeros: boolean,
  depth: number,
): BerTlv[] {
  if (depth > MAX_DEPTH) throw new Iso7816FormatError('ber-tlv', 'nesting too deep', from);
  const out: BerTlv[] = [];
  let i = from;
  while (i < to) {
    if (skipZeros && bytes[i] === 0x00) {
      i++;
      continue;
    }
    const tagStart = i;
    const first = bytes[i++];
    let tag = first;
    if ((first & 0x1f) === 0x1f) {
      let n = 1;
      for (;;) {
        if (i >= to) throw new Iso7816FormatError('ber-tlv', 'truncated tag', tagStart);
        const b = bytes[i++];
        tag = tag * 256 + b;
        if (++n > MAX_TAG_BYTES) throw new Iso7816FormatError('ber-tlv', 'tag too long', tagStart);
        if ((b & 0x80) === 0) break;
      }
    }
    if (i >= to) throw new Iso7816FormatError('ber-tlv', 'missing length', i);
    let len = bytes[i++];
    if (len === 0x80) throw new Iso7816FormatError('ber-tlv', 'indefinite length', i - 1);
    if (len > 0x80) {
      const n = len & 0x7f;
      if (n > 3) throw new Iso7816FormatError('ber-tlv', `length of ${n} bytes`, i - 1);
      if (i + n > to) throw new Iso7816FormatError('ber-tlv', 'truncated length', i - 1);
      len = 0;
      for (let k = 0; k < n; k++) len = len * 256 + bytes[i++];
    }
    if (i + len > to)
      throw new Iso7816FormatError('ber-tlv', `value of ${len} bytes runs past the end`, i);
    const constructed = (first & 0x20) !== 0;
    const node: BerTlv = { tag, constructed, value: bytes.slice(i, i + len) };
    if (constructed) node.children = parseLevel(bytes, i, i + len, skipZeros, depth + 1);
    out.push(node);
    i += len;
  }
  return out;
}

/** Depth-first search for the first object with `tag`, looking inside constructed objects. */
export function findBerTlv(nodes: readonly BerTlv[], tag: number): BerTlv | undefined {
  for (const n of nodes) {
    if (n.tag === tag) return n;
    if (n.children) {
      const hit = findBerTlv(n.children, tag);
      if (hit) return hit;
    }
  }
  return undefined;
}

/** Follows a path of tags from the top level, e.g. [0x6F, 0xA5, 0x9F0C]. */
export function findBerPath(nodes: readonly BerTlv[], path: readonly number[]): BerTlv | undefined {
  let level: readonly BerTlv[] | undefined = nodes;
  let hit: BerTlv | undefined;
  for (const tag of path) {
    hit = level?.find((n) => n.tag === tag);
    if (!hit) return undefined;
    level = hit.children;
  }
  return hit;
}

/** Tag bytes of a numeric tag (big-endian, no leading zero bytes). */
export function berTagBytes(tag: number): Uint8Array {
  if (!Number.isInteger(tag) || tag < 1 || tag > 0xffffff)
    throw new Iso7816FormatError('ber-tlv', `tag out of range: ${tag}`);
  const bytes: number[] = [];
  for (let t = tag; t > 0; t = Math.floor(t / 256)) bytes.unshift(t & 0xff);
  const ok =
    bytes.length === 1
      ? (bytes[0] & 0x1f) !== 0x1f
      : (bytes[0] & 0x1f) === 0x1f &&
        bytes.slice(1, -1).every((b) => (b & 0x80) !== 0) &&
        (bytes[bytes.length - 1] & 0x80) === 0;
  if (!ok) throw new Iso7816FormatError('ber-tlv', `not a valid BER tag: ${tag.toString(16)}`);
  return Uint8Array.from(bytes);
}

/** Encodes one object with the shortest length form; a constructed node's `children` win over `value`. */
export function encodeBerTlv(node: BerTlv): Uint8Array {
  const tagBytes = berTagBytes(node.tag);
  const value = node.children ? encodeBerTlvs(node.children) : node.value;
  const n = value.length;
  if (n > 0xffffff) throw new Iso7816FormatError('ber-tlv', `value of ${n} bytes is too long`);
  const lenBytes =
    n < 0x80
      ? [n]
      : n <= 0xff
        ? [0x81, n]
        : n <= 0xffff
          ? [0x82, n >> 8, n & 0xff]
          : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  const out = new Uint8Array(tagBytes.length + lenBytes.length + n);
  out.set(tagBytes);
  out.set(lenBytes, tagBytes.length);
  out.set(value, tagBytes.length + lenBytes.length);
  return out;
}

export function encodeBerTlvs(nodes: readonly BerTlv[]): Uint8Array {
  const parts = nodes.map(encodeBerTlv);
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let i = 0;
  for (const p of parts) {
    out.set(p, i);
    i += p.length;
  }
  return out;
}

// The image structure of IMAGE.md: header, payload, protected and unprotected TLV areas.
// `parseImage` is strict (every field checked, nothing after the last area) and throws
// ImageError; `encodeImage` lays out the parts the signer computed. No crypto here: sign.ts and
// verify.ts add and check the hash and signature.
import { readU16LE, readU32LE, writeU16LE, writeU32LE } from '../bytes.ts';
import { SHA256_LENGTH } from '../native-constants.ts';
import { SLOT_SIZE } from './flash-map.ts';
import {
  ED25519_SIGNATURE_LENGTH,
  HDR_FLAGS,
  HDR_HEADER_SIZE,
  HDR_MAGIC,
  HDR_PAYLOAD_SIZE,
  HDR_PROTECTED_TLV_SIZE,
  HDR_RESERVED,
  HDR_SECURITY_COUNTER,
  HDR_VERSION_BUILD,
  HDR_VERSION_MAJOR,
  HDR_VERSION_MINOR,
  HDR_VERSION_REVISION,
  IMAGE_HEADER_SIZE,
  IMAGE_KNOWN_FLAGS,
  IMAGE_MAGIC,
  KEY_ID_LENGTH,
  TLV_CRITICAL,
  TLV_HEADER_SIZE,
  TLV_INFO_PROTECTED,
  TLV_INFO_SIZE,
  TLV_INFO_UNPROTECTED,
  TlvType,
} from './image-constants.ts';
import { ImageError } from './image-error.ts';

export interface ImageVersion {
  readonly major: number;
  readonly minor: number;
  readonly revision: number;
  readonly build: number;
}

export interface ImageHeader {
  readonly headerSize: number;
  readonly protectedTlvSize: number;
  readonly payloadSize: number;
  readonly flags: number;
  readonly version: ImageVersion;
  readonly securityCounter: number;
}

export interface ImageTlv {
  readonly type: number;
  readonly value: Uint8Array;
}

export interface ParsedImage {
  readonly header: ImageHeader;
  readonly payload: Uint8Array;
  readonly protectedTlvs: readonly ImageTlv[];
  readonly tlvs: readonly ImageTlv[];
  /** Header ‖ payload ‖ protected area: what the SHA-256 TLV covers. */
  readonly hashed: Uint8Array;
  /** The known TLVs, when present. */
  readonly sha256: Uint8Array | undefined;
  readonly keyId: Uint8Array | undefined;
  readonly signature: Uint8Array | undefined;
  /** Total size in bytes. */
  readonly size: number;
}

/** Known TLVs and their value lengths. Protected TLVs: none defined yet (IMAGE.md). */
const UNPROTECTED_LENGTHS = new Map<number, number>([
  [TlvType.KeyId, KEY_ID_LENGTH],
  [TlvType.Sha256, SHA256_LENGTH],
  [TlvType.Ed25519, ED25519_SIGNATURE_LENGTH],
]);
const PROTECTED_LENGTHS = new Map<number, number>();

export function formatVersion(v: ImageVersion): string {
  return `${v.major}.${v.minor}.${v.revision}+${v.build}`;
}

/** Parses "1.2.3" or "1.2.3+45"; throws RangeError on anything else. */
export function parseVersion(text: string): ImageVersion {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,5})(?:\+(\d{1,10}))?$/.exec(text.trim());
  const v = m && {
    major: Number(m[1]),
    minor: Number(m[2]),
    revision: Number(m[3]),
    build: Number(m[4] ?? 0),
  };
  if (!v || v.major > 0xff || v.minor > 0xff || v.revision > 0xffff || v.build > 0xffffffff)
    throw new RangeError(
      `version "${text}": use major.minor.revision[+build] (0-255.0-255.0-65535[+0-4294967295])`,
    );
  return v;
}

/** Negative, zero or positive as a is older than, the same as or newer than b. */
export function compareVersions(a: ImageVersion, b: ImageVersion): number {
  return a.major - b.major || a.minor - b.minor || a.revision - b.revision || a.build - b.build;
}

export function encodeHeader(h: Omit<ImageHeader, 'headerSize'>): Uint8Array {
  const b = new Uint8Array(IMAGE_HEADER_SIZE);
  writeU32LE(b, HDR_MAGIC, IMAGE_MAGIC);
  writeU16LE(b, HDR_HEADER_SIZE, IMAGE_HEADER_SIZE);
  writeU16LE(b, HDR_PROTECTED_TLV_SIZE, h.protectedTlvSize);
  writeU32LE(b, HDR_PAYLOAD_SIZE, h.payloadSize);
  writeU32LE(b, HDR_FLAGS, h.flags >>> 0);
  b[HDR_VERSION_MAJOR] = h.version.major;
  b[HDR_VERSION_MINOR] = h.version.minor;
  writeU16LE(b, HDR_VERSION_REVISION, h.version.revision);
  writeU32LE(b, HDR_VERSION_BUILD, h.version.build);
  writeU32LE(b, HDR_SECURITY_COUNTER, h.securityCounter);
  return b;
}

/** A TLV area: info word, then each TLV. Empty lists give an empty protected area (size 0). */
export function encodeTlvArea(magic: number, tlvs: readonly ImageTlv[]): Uint8Array {
  const size = TLV_INFO_SIZE + tlvs.reduce((n, t) => n + TLV_HEADER_SIZE + t.value.length, 0);
  if (size > 0xffff) throw new ImageError('bad-size', `TLV area of ${size} bytes exceeds 65535`);
  const b = new Uint8Array(size);
  writeU16LE(b, 0, magic);
  writeU16LE(b, 2, size);
  let at = TLV_INFO_SIZE;
  for (const t of tlvs) {
    writeU16LE(b, at, t.type);
    writeU16LE(b, at + 2, t.value.length);
    b.set(t.value, at + TLV_HEADER_SIZE);
    at += TLV_HEADER_SIZE + t.value.length;
  }
  return b;
}

/** Header + payload + protected area: the bytes the hash covers. */
export function encodeHashed(
  header: Omit<ImageHeader, 'headerSize' | 'payloadSize' | 'protectedTlvSize'>,
  payload: Uint8Array,
  protectedTlvs: readonly ImageTlv[] = [],
): Uint8Array {
  const prot = protectedTlvs.length
    ? encodeTlvArea(TLV_INFO_PROTECTED, protectedTlvs)
    : new Uint8Array(0);
  const head = encodeHeader({
    ...header,
    payloadSize: payload.length,
    protectedTlvSize: prot.length,
  });
  const out = new Uint8Array(head.length + payload.length + prot.length);
  out.set(head, 0);
  out.set(payload, head.length);
  out.set(prot, head.length + payload.length);
  return out;
}

/** The whole image: the hashed part followed by the unprotected TLVs. */
export function appendTlvs(hashed: Uint8Array, tlvs: readonly ImageTlv[]): Uint8Array {
  const area = encodeTlvArea(TLV_INFO_UNPROTECTED, tlvs);
  const out = new Uint8Array(hashed.length + area.length);
  out.set(hashed, 0);
  out.set(area, hashed.length);
  return out;
}

export function parseHeader(bytes: Uint8Array): ImageHeader {
  if (bytes.length < IMAGE_HEADER_SIZE)
    throw new ImageError(
      'truncated',
      `${bytes.length} bytes: shorter than the ${IMAGE_HEADER_SIZE}-byte header`,
    );
  const magic = readU32LE(bytes, HDR_MAGIC);
  if (magic !== IMAGE_MAGIC)
    throw new ImageError(
      'bad-magic',
      `magic 0x${hex8(magic)} is not 0x${hex8(IMAGE_MAGIC)}: not a signed firmware image`,
    );
  const headerSize = readU16LE(bytes, HDR_HEADER_SIZE);
  if (headerSize !== IMAGE_HEADER_SIZE)
    throw new ImageError(
      'bad-size',
      `header size ${headerSize}, this format has ${IMAGE_HEADER_SIZE}`,
    );
  const flags = readU32LE(bytes, HDR_FLAGS);
  if ((flags & ~IMAGE_KNOWN_FLAGS) >>> 0 !== 0)
    throw new ImageError(
      'bad-header',
      `unknown flags 0x${hex8((flags & ~IMAGE_KNOWN_FLAGS) >>> 0)}`,
    );
  const reserved = readU32LE(bytes, HDR_RESERVED);
  if (reserved !== 0)
    throw new ImageError('bad-header', `reserved header word is 0x${hex8(reserved)}, not 0`);
  return {
    headerSize,
    protectedTlvSize: readU16LE(bytes, HDR_PROTECTED_TLV_SIZE),
    payloadSize: readU32LE(bytes, HDR_PAYLOAD_SIZE),
    flags,
    version: {
      major: bytes[HDR_VERSION_MAJOR],
      minor: bytes[HDR_VERSION_MINOR],
      revision: readU16LE(bytes, HDR_VERSION_REVISION),
      build: readU32LE(bytes, HDR_VERSION_BUILD),
    },
    securityCounter: readU32LE(bytes, HDR_SECURITY_COUNTER),
  };
}

export interface ParseOptions {
  /** Largest image accepted (default: the slot size). */
  maxSize?: number;
}

export function parseImage(bytes: Uint8Array, options: ParseOptions = {}): ParsedImage {
  const maxSize = options.maxSize ?? SLOT_SIZE;
  const header = parseHeader(bytes);
  if (header.payloadSize === 0) throw new ImageError('bad-size', 'the payload is empty');
  const payloadEnd = header.headerSize + header.payloadSize;
  if (payloadEnd > maxSize)
    throw new ImageError(
      'bad-size',
      `payload of ${header.payloadSize} bytes does not fit a ${maxSize}-byte slot`,
    );
  if (bytes.length < payloadEnd)
    throw new ImageError(
      'truncated',
      `${bytes.length} bytes, the header announces ${payloadEnd} up to the end of the payload`,
    );
  let at = payloadEnd;
  let protectedTlvs: ImageTlv[] = [];
  if (header.protectedTlvSize !== 0) {
    const area = readArea(bytes, at, TLV_INFO_PROTECTED, 'protected');
    if (area.size !== header.protectedTlvSize)
      throw new ImageError(
        'bad-size',
        `protected TLV area is ${area.size} bytes, the header says ${header.protectedTlvSize}`,
      );
    protectedTlvs = area.tlvs;
    checkTlvs(protectedTlvs, PROTECTED_LENGTHS, 'protected');
    at += area.size;
  }
  const hashedEnd = at;
  const area = readArea(bytes, at, TLV_INFO_UNPROTECTED, 'unprotected');
  checkTlvs(area.tlvs, UNPROTECTED_LENGTHS, 'unprotected');
  at += area.size;
  if (at > maxSize)
    throw new ImageError('bad-size', `image of ${at} bytes does not fit a ${maxSize}-byte slot`);
  if (bytes.length !== at)
    throw new ImageError(
      'trailing-bytes',
      `${bytes.length - at} byte(s) after the end of the image at ${at}`,
    );
  const find = (type: number) => area.tlvs.find((t) => t.type === type)?.value;
  return {
    header,
    payload: bytes.slice(header.headerSize, payloadEnd),
    protectedTlvs,
    tlvs: area.tlvs,
    hashed: bytes.slice(0, hashedEnd),
    sha256: find(TlvType.Sha256),
    keyId: find(TlvType.KeyId),
    signature: find(TlvType.Ed25519),
    size: at,
  };
}

function readArea(
  bytes: Uint8Array,
  at: number,
  magic: number,
  what: string,
): { size: number; tlvs: ImageTlv[] } {
  if (bytes.length < at + TLV_INFO_SIZE)
    throw new ImageError(
      what === 'unprotected' ? 'unsigned' : 'truncated',
      `the image ends at ${bytes.length} where the ${what} TLV area should start: no signature`,
    );
  const found = readU16LE(bytes, at);
  if (found !== magic)
    throw new ImageError(
      'bad-magic',
      `${what} TLV area at ${at}: info magic 0x${found.toString(16)}, expected 0x${magic.toString(16)}`,
    );
  const size = readU16LE(bytes, at + 2);
  if (size < TLV_INFO_SIZE)
    throw new ImageError('bad-size', `${what} TLV area size ${size} is smaller than its info`);
  if (bytes.length < at + size)
    throw new ImageError(
      'truncated',
      `${what} TLV area of ${size} bytes at ${at} runs past the end (${bytes.length})`,
    );
  const tlvs: ImageTlv[] = [];
  let p = at + TLV_INFO_SIZE;
  while (p < at + size) {
    if (p + TLV_HEADER_SIZE > at + size)
      throw new ImageError('bad-tlv', `${what} TLV at ${p}: header overruns the area`);
    const type = readU16LE(bytes, p);
    const len = readU16LE(bytes, p + 2);
    if (p + TLV_HEADER_SIZE + len > at + size)
      throw new ImageError(
        'bad-tlv',
        `${what} TLV 0x${type.toString(16)} at ${p}: ${len} bytes overrun the area`,
      );
    tlvs.push({ type, value: bytes.slice(p + TLV_HEADER_SIZE, p + TLV_HEADER_SIZE + len) });
    p += TLV_HEADER_SIZE + len;
  }
  return { size, tlvs };
}

function checkTlvs(
  tlvs: readonly ImageTlv[],
  known: ReadonlyMap<number, number>,
  what: string,
): void {
  const seen = new Set<number>();
  for (const t of tlvs) {
    const len = known.get(t.type);
    if (len === undefined) {
      if (t.type & TLV_CRITICAL)
        throw new ImageError(
          'unknown-critical-tlv',
          `${what} TLV 0x${t.type.toString(16)} is critical and unknown to this reader`,
        );
      continue;
    }
    if (t.value.length !== len)
      throw new ImageError(
        'bad-tlv',
        `${what} TLV 0x${t.type.toString(16)} holds ${t.value.length} bytes, not ${len}`,
      );
    if (seen.has(t.type))
      throw new ImageError('bad-tlv', `${what} TLV 0x${t.type.toString(16)} appears twice`);
    seen.add(t.type);
  }
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

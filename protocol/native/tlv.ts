// TLV lists of the native profile (DeviceInfo, ConfigRead/ConfigWrite, Diagnostics):
// tag u8, length u8, value. A record type maps its known tags to typed fields and keeps the
// TLVs it does not know in `other`, so that later firmware can add tags without breaking hosts.

import {
  ByteFieldError,
  checkBytes,
  checkU8,
  concatBytes,
  readU16LE,
  readU32LE,
} from '../bytes.ts';
import { TLV_MAX_VALUE_LENGTH } from '../native-constants.ts';
import { decodeUtf8, encodeUtf8, PayloadWriter } from './cursor.ts';
import { VendorMessageError } from './vendor-error.ts';

export interface Tlv {
  readonly tag: number;
  readonly value: Uint8Array;
}

export function encodeTlvs(list: readonly Tlv[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const t of list) {
    const value = checkBytes(`TLV ${t.tag} value`, t.value, TLV_MAX_VALUE_LENGTH);
    parts.push(Uint8Array.of(checkU8('TLV tag', t.tag), value.length), value);
  }
  return concatBytes(parts);
}

export function decodeTlvs(bytes: Uint8Array, what: string): Tlv[] {
  const out: Tlv[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 2 > bytes.length || at + 2 + bytes[at + 1] > bytes.length) {
      throw new VendorMessageError('bad-tlv', `${what}: TLV at byte ${at} is truncated`);
    }
    const n = bytes[at + 1];
    out.push({ tag: bytes[at], value: bytes.slice(at + 2, at + 2 + n) });
    at += 2 + n;
  }
  return out;
}

/** How one typed field travels in a TLV value. */
export type TlvKind = 'text' | 'u8' | 'bool' | 'u16' | 'u32' | 'update-outcome';

/** DeviceInfo LastUpdate: u8 BootOutcome, u8 ImageCheck (0 unless the image was refused). */
export interface UpdateOutcome {
  readonly outcome: number;
  readonly reason: number;
}

type KindValue<K extends TlvKind> = K extends 'text'
  ? string
  : K extends 'bool'
    ? boolean
    : K extends 'update-outcome'
      ? UpdateOutcome
      : number;

/** A record's schema: field name → [tag, kind]. */
export type TlvSchema = Record<string, readonly [number, TlvKind]>;
export type TlvRecord<S extends TlvSchema> = {
  -readonly [F in keyof S]?: KindValue<S[F][1]>;
} & { other?: Tlv[] };

export function encodeTlvValue(field: string, kind: TlvKind, v: unknown): Uint8Array {
  const w = new PayloadWriter();
  switch (kind) {
    case 'text':
      if (typeof v !== 'string') throw new ByteFieldError(field, 'not a string');
      return w.bytes(field, encodeUtf8(v), TLV_MAX_VALUE_LENGTH).done();
    case 'bool':
      if (typeof v !== 'boolean') throw new ByteFieldError(field, 'not a boolean');
      return w.u8(field, v ? 1 : 0).done();
    case 'u8':
      return w.u8(field, v as number).done();
    case 'u16':
      return w.u16(field, v as number).done();
    case 'u32':
      return w.u32(field, v as number).done();
    case 'update-outcome': {
      const o = v as UpdateOutcome;
      if (typeof o !== 'object' || o === null) throw new ByteFieldError(field, 'not an object');
      return w.u8(`${field}.outcome`, o.outcome).u8(`${field}.reason`, o.reason).done();
    }
  }
}

const SIZES = { u8: 1, bool: 1, u16: 2, u32: 4, 'update-outcome': 2 } as const;

export function decodeTlvValue(
  what: string,
  kind: TlvKind,
  value: Uint8Array,
): string | number | boolean | UpdateOutcome {
  if (kind === 'text') return decodeUtf8(value, what);
  if (value.length !== SIZES[kind]) {
    throw new VendorMessageError(
      'bad-tlv',
      `${what}: ${value.length} bytes, a ${kind} is ${SIZES[kind]}`,
    );
  }
  switch (kind) {
    case 'bool':
      if (value[0] > 1)
        throw new VendorMessageError('bad-field', `${what}: ${value[0]} is not 0 or 1`);
      return value[0] === 1;
    case 'u8':
      return value[0];
    case 'u16':
      return readU16LE(value, 0);
    case 'u32':
      return readU32LE(value, 0);
    case 'update-outcome':
      return { outcome: value[0], reason: value[1] };
  }
}

/** Known fields in schema order, then `other` as given. */
export function encodeTlvRecord<S extends TlvSchema>(schema: S, record: TlvRecord<S>): Tlv[] {
  const list: Tlv[] = [];
  for (const [field, [tag, kind]] of Object.entries(schema)) {
    const v = (record as Record<string, unknown>)[field];
    if (v !== undefined) list.push({ tag, value: encodeTlvValue(field, kind, v) });
  }
  const known = new Set(Object.values(schema).map(([tag]) => tag));
  for (const t of record.other ?? []) {
    if (known.has(t.tag)) throw new ByteFieldError('other', `tag ${t.tag} has a typed field`);
    list.push(t);
  }
  return list;
}

/** Each known tag at most once; unknown tags are kept in `other`, in order. */
export function decodeTlvRecord<S extends TlvSchema>(
  schema: S,
  tlvs: readonly Tlv[],
  what: string,
): TlvRecord<S> {
  const byTag = new Map<number, [string, TlvKind]>();
  for (const [field, [tag, kind]] of Object.entries(schema)) byTag.set(tag, [field, kind]);
  const out: Record<string, unknown> = {};
  const other: Tlv[] = [];
  for (const t of tlvs) {
    const known = byTag.get(t.tag);
    if (known === undefined) {
      other.push(t);
      continue;
    }
    const [field, kind] = known;
    if (field in out) throw new VendorMessageError('bad-tlv', `${what}: tag ${t.tag} repeated`);
    out[field] = decodeTlvValue(`${what} ${field}`, kind, t.value);
  }
  if (other.length > 0) out.other = other;
  return out as TlvRecord<S>;
}

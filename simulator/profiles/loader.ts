// Turns a card profile (profile data) and one of its personas into a card: the COS file tree
// with encoded records, card keys derived by the test key scheme (KEYS.md), the PIN, and the
// transport profile with the persona's ATR. Bad profile data is a ProfileError (a bug in data,
// caught by the profile tests), never a crash inside the simulated card.

import { createHash } from 'node:crypto';
import iconv from 'iconv-lite';
import { concatBytes, fromHex, toHex } from '../../protocol/bytes.ts';
import type { CardTransportProfile } from '../card/contract.ts';
import type { PsamKeyStore } from '../cos/card-state.ts';
import type { CardAlgorithm } from '../cos/crypto.ts';
import type { AccessCondition, CardKey, CardPin, DfNode, EfNode } from '../cos/file-system.ts';
import { berTlv, simpleTlv } from '../cos/tlv.ts';
import {
  healthCardKey,
  masterKey,
  PSAM_HEALTH_KEY_IDS,
  PSAM_SSC_KEY_IDS,
  sscCardKey,
  type KeyName,
} from './keys.ts';
import type { PsamPersona } from './personas.ts';
import type {
  AccessSpec,
  CardProfileSpec,
  DfSpec,
  EfSpec,
  ItemSpec,
  PersonaBase,
  RecordSpec,
  TemplateItem,
} from './profile-schema.ts';

export class ProfileError extends Error {
  override readonly name = 'ProfileError';
}

/** The ATR of a persona: head ‖ historical bytes [‖ TCK = XOR of T0 … the last byte]. */
export function personaAtr(profile: CardProfileSpec<PersonaBase>, persona: PersonaBase): string {
  const bytes = fromHex(profile.atr.head + persona.historicalBytes);
  if (!profile.atr.tck) return hex(bytes);
  let tck = 0;
  for (let i = 1; i < bytes.length; i++) tck ^= bytes[i];
  return hex(concatBytes([bytes, Uint8Array.of(tck)]));
}

export function transportFor(
  profile: CardProfileSpec<PersonaBase>,
  persona: PersonaBase,
): CardTransportProfile {
  return { ...profile.transport, atr: personaAtr(profile, persona) };
}

function hex(b: Uint8Array): string {
  return toHex(b).replace(/ /g, '');
}

/** A persona field by name or dotted path; it must be a string. */
export function personaField(persona: PersonaBase, path: string): string {
  let v: unknown = persona;
  for (const part of path.split('.')) {
    v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
  }
  if (typeof v !== 'string') throw new ProfileError(`persona ${persona.id}: no text field ${path}`);
  return v;
}

function padTo(bytes: Uint8Array, len: number | undefined, fill: number, what: string): Uint8Array {
  if (len === undefined) return bytes;
  if (bytes.length > len)
    throw new ProfileError(`${what}: ${bytes.length} bytes, the item has ${len}`);
  const out = new Uint8Array(len).fill(fill);
  out.set(bytes);
  return out;
}

/** kiosk-cards.md §1.3 padding: cn right-padded with F nibbles, an/gbk/b with 00 bytes. */
export function encodeItem(spec: ItemSpec, persona: PersonaBase): Uint8Array {
  const value = personaField(persona, spec.item);
  const what = `persona ${persona.id} item ${spec.item}`;
  switch (spec.type) {
    case 'an':
      if (!/^[\x20-\x7e]*$/.test(value)) throw new ProfileError(`${what}: not ASCII`);
      return padTo(new TextEncoder().encode(value), spec.len, 0x00, what);
    case 'cn': {
      if (!/^[0-9A-Fa-f]*$/.test(value)) throw new ProfileError(`${what}: not digits`);
      const digits = spec.len === undefined ? value : value.padEnd(spec.len * 2, 'F');
      if (spec.len !== undefined && digits.length > spec.len * 2)
        throw new ProfileError(`${what}: too long`);
      return fromHex(digits.length % 2 ? digits + 'F' : digits);
    }
    case 'b':
      if (!/^([0-9A-Fa-f]{2})*$/.test(value)) throw new ProfileError(`${what}: not hex`);
      return padTo(fromHex(value), spec.len, 0x00, what);
    case 'gbk': {
      const all = new Uint8Array(iconv.encode(value, 'gbk'));
      if (new TextDecoder('gbk').decode(all) !== value)
        throw new ProfileError(`${what}: not encodable in GBK`);
      const at = spec.offset ?? 0;
      const len = spec.len ?? all.length - at;
      return padTo(all.slice(at, at + len), len, 0x00, what);
    }
  }
}

/** Deterministic filler bytes for certificates, fingerprints and photos (SHA-256 in counter mode). */
export function filler(label: string, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let block = 0; block * 32 < n; block++) {
    const d = createHash('sha256').update(`${label}#${block}`).digest();
    out.set(d.subarray(0, Math.min(32, n - block * 32)), block * 32);
  }
  return out;
}

/** §3 photo layout: 2-byte big-endian length, then a JPEG-like image, then 00 up to the file size. */
function photo(label: string, size: number): Uint8Array {
  const seed = filler(label, 2);
  const len = Math.floor(size / 2) + (((seed[0] << 8) | seed[1]) % Math.floor(size / 3));
  const image = concatBytes([
    Uint8Array.of(0xff, 0xd8, 0xff, 0xe0),
    filler(label, len - 6),
    Uint8Array.of(0xff, 0xd9),
  ]);
  const out = new Uint8Array(size);
  out[0] = len >> 8;
  out[1] = len & 0xff;
  out.set(image, 2);
  return out;
}

function tagByte(tag: string): number {
  const t = parseInt(tag, 16);
  if (!/^[0-9A-Fa-f]{2}$/.test(tag) || t === 0 || t === 0xff)
    throw new ProfileError(`bad SIMPLE-TLV tag ${tag}`);
  return t;
}

function templateItem(item: TemplateItem, persona: PersonaBase): Uint8Array {
  const value = 'hex' in item ? fromHex(item.hex) : encodeItem(item, persona);
  return berTlv(parseInt(item.tag, 16), value);
}

function encodeRecord(spec: RecordSpec, persona: PersonaBase, label: string): Uint8Array {
  if ('hex' in spec) return fromHex(spec.hex);
  if ('template' in spec) {
    return berTlv(parseInt(spec.template, 16), ...spec.items.map((i) => templateItem(i, persona)));
  }
  if ('generated' in spec)
    return simpleTlv(
      tagByte(spec.tag),
      filler(`${persona.id}/${label}/${spec.tag}`, spec.generated),
    );
  return simpleTlv(tagByte(spec.tag), encodeItem(spec, persona));
}

function access(spec: AccessSpec): AccessCondition {
  if (spec === 'always' || spec === 'never' || spec === 'pin') return { kind: spec };
  if ('key' in spec) return { kind: 'key', key: spec.key };
  if ('pinOrKey' in spec) return { kind: 'pin-or-key', key: spec.pinOrKey };
  return { kind: 'sm', key: spec.sm };
}

function fid(text: string | undefined): number | null {
  if (text === undefined) return null;
  if (!/^[0-9A-Fa-f]{4}$/.test(text)) throw new ProfileError(`bad file id ${text}`);
  return parseInt(text, 16);
}

interface BuildContext {
  profile: CardProfileSpec<PersonaBase>;
  persona: PersonaBase;
  atr: string;
}

function cardKey(ctx: BuildContext, name: KeyName): Uint8Array {
  const alg = ctx.profile.algorithm;
  if (!alg) throw new ProfileError(`${ctx.profile.name}: keys need an algorithm`);
  if (ctx.profile.keyScheme === 'ssc')
    return sscCardKey(name, alg, personaField(ctx.persona, 'cardId'));
  if (ctx.profile.keyScheme === 'health')
    return healthCardKey(name, ctx.atr, personaField(ctx.persona, 'cityCode'));
  throw new ProfileError(`${ctx.profile.name}: no key scheme`);
}

function buildEf(spec: EfSpec, parent: DfNode, ctx: BuildContext): EfNode {
  const omit = (ctx.persona as unknown as { omitTags?: string[] }).omitTags ?? [];
  const label = `${parent.label}/${spec.ef}`;
  const records = (spec.records ?? [])
    .filter((r) => !('tag' in r) || !omit.includes(r.tag))
    .map((r) => encodeRecord(r, ctx.persona, label));
  let body: Uint8Array = new Uint8Array(0);
  if (spec.structure === 'transparent') {
    const b = spec.body;
    if (!b) throw new ProfileError(`${label}: a transparent EF needs a body`);
    if (Array.isArray(b)) body = concatBytes(b.map((item) => encodeItem(item, ctx.persona)));
    else if ('generated' in b) body = filler(`${ctx.persona.id}/${label}`, b.generated);
    else body = photo(`${ctx.persona.id}/${label}`, b.lengthPrefixedPhoto);
  }
  return {
    kind: 'EF',
    label: spec.ef,
    fid: fid(spec.fid),
    sfi: spec.sfi ?? null,
    structure: spec.structure,
    parent,
    read: access(spec.read),
    update: access(spec.update),
    records,
    maxRecordLength: spec.maxRecordLength ?? Math.max(0, ...records.map((r) => r.length)),
    maxRecords: spec.maxRecords ?? records.length,
    body,
  };
}

function buildDf(spec: DfSpec, parent: DfNode | null, ctx: BuildContext): DfNode {
  const name = spec.name ? fromHex(spec.name) : null;
  let fci: Uint8Array | null = null;
  if (spec.fciProprietary !== undefined) {
    if (!name) throw new ProfileError(`${spec.df}: an FCI needs a DF name`);
    fci = berTlv(0x6f, berTlv(0x84, name), berTlv(0xa5, fromHex(spec.fciProprietary)));
  }
  const alg = ctx.profile.algorithm;
  const keys: CardKey[] = (spec.keys ?? []).map((k) => ({
    name: k.name,
    ids: k.ids.map((id) => parseInt(id, 16)),
    usage: k.usage,
    alg: alg as CardAlgorithm,
    value: cardKey(ctx, k.name),
    version: 0x01,
    maxTries: k.tries ?? 3,
    triesLeft: k.tries ?? 3,
  }));
  const pins: CardPin[] = [];
  if (spec.pin) {
    const digits = personaField(ctx.persona, 'pin');
    const left =
      (ctx.persona as unknown as { pinTriesLeft?: number }).pinTriesLeft ?? spec.pin.tries;
    pins.push({
      ref: parseInt(spec.pin.ref, 16),
      digits,
      maxTries: spec.pin.tries,
      triesLeft: left,
      reloadAuthKey: spec.pin.reloadAuthKey ?? null,
      reloadSmKey: spec.pin.reloadSmKey ?? null,
    });
  }
  const df: DfNode = {
    kind: 'DF',
    label: spec.df,
    fid: fid(spec.fid),
    name,
    fci,
    parent,
    children: [],
    keys,
    pins,
    leRule: spec.leRule ?? parent?.leRule ?? 'iso',
    gpoResponse: spec.gpoResponse ? fromHex(spec.gpoResponse) : null,
  };
  for (const c of spec.children)
    df.children.push('df' in c ? buildDf(c, df, ctx) : buildEf(c, df, ctx));
  return df;
}

/** The file tree of a card, personalised for `persona`. */
export function buildFileTree(profile: CardProfileSpec<PersonaBase>, persona: PersonaBase): DfNode {
  return buildDf(profile.tree, null, { profile, persona, atr: personaAtr(profile, persona) });
}

/** KEYS.md §4: the PSAM's master keys, less what the persona lacks. */
export function psamKeyStore(persona: PsamPersona): PsamKeyStore {
  return {
    hasAlgorithm: (alg) => persona.algorithms.includes(alg),
    masterKey: (name, alg) =>
      persona.algorithms.includes(alg) && !persona.missingKeys.includes(name)
        ? masterKey(name as KeyName, alg)
        : undefined,
    keyFor: (p1, p2) => {
      if (p1 === 0x01 || p1 === 0x03) {
        const name = PSAM_SSC_KEY_IDS[p2];
        return name ? { alg: p1 === 0x01 ? '3DES' : 'SM4', name } : null;
      }
      if (p1 === 0x02) return 'unsupported-algorithm';
      const table = PSAM_HEALTH_KEY_IDS[p1];
      if (!table) return 'bad-p1';
      const name = table[p2];
      return name ? { alg: 'SM4', name } : null;
    },
  };
}

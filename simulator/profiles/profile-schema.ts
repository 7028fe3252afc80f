// The shape of card profile data (simulator/profiles/*-profile.ts and personas.ts). Profiles are
// data only — object literals with no logic; loader.ts turns a profile and a persona into a
// card operating system and a transport profile.

import type { ItemCoding } from '../../protocol/cards/items.ts';
import type { CardTransportProfile } from '../card/contract.ts';
import type { CardAlgorithm } from '../cos/crypto.ts';
import type { KeyName } from './keys.ts';

/**
 * How an item's text becomes bytes (kiosk-cards.md §1.3; protocol/cards/items.ts): `an` ASCII
 * left-aligned, 00-padded; `cn` digits (hex digits allowed, e.g. the D in 卡识别码) left-aligned,
 * F-padded; `b` hex as is, 00-padded; `gbk` text in GBK (iconv-lite), 00-padded.
 */
export type ItemType = ItemCoding;

/** One data item: where its value comes from in the persona and how it is encoded. */
export interface ItemSpec {
  /** Record tag (SIMPLE-TLV) or BER-TLV tag, hex. Absent for a field of a transparent body. */
  tag?: string;
  /** Persona field holding the value; a dotted path for nested fields ("bank.pan"). */
  item: string;
  type: ItemType;
  /** Length in bytes (kiosk-cards.md §1.3 "Len"); absent = the encoded value's own length. */
  len?: number;
  /** GBK name split across two items (09 姓名 and 4E 姓名扩展): the byte offset of this part. */
  offset?: number;
}

/** An item of a BER-TLV template: from the persona, or a literal value (hex). */
export type TemplateItem = (ItemSpec & { tag: string }) | { tag: string; hex: string };

export type RecordSpec =
  /** A SIMPLE-TLV record: tag, length, the encoded item. */
  | (ItemSpec & { tag: string })
  /** A SIMPLE-TLV record of `generated` bytes of deterministic filler (certificates). */
  | { tag: string; generated: number }
  /** An EMV record: a BER-TLV template (e.g. 70) holding BER-TLV items. */
  | { template: string; items: TemplateItem[] }
  /** A literal record, hex. */
  | { hex: string };

export type AccessSpec =
  | 'always'
  | 'never'
  | 'pin'
  | { key: KeyName }
  | { pinOrKey: KeyName }
  /** CLA 04 with a MAC under the session key of this key (KEYS.md §5). */
  | { sm: KeyName };

export interface EfSpec {
  ef: string;
  fid: string;
  sfi?: number;
  structure: 'transparent' | 'linear' | 'cyclic';
  read: AccessSpec;
  update: AccessSpec;
  records?: RecordSpec[];
  /** Record files: capacity (default: the records present). */
  maxRecords?: number;
  /** Record files: the longest record accepted by UPDATE/APPEND (default: the longest present). */
  maxRecordLength?: number;
  /** Transparent files: fields laid end to end (PSAM EF0015), or a size of generated filler. */
  body?: ItemSpec[] | { generated: number } | { lengthPrefixedPhoto: number };
}

export interface KeySpec {
  name: KeyName;
  /** Key ids the card accepts in P2, hex (KEYS.md §2, §3). */
  ids: string[];
  usage: 'internal' | 'external' | 'sm';
  /** External authentication try counter (KEYS.md §2: 3). */
  tries?: number;
}

export interface PinSpec {
  ref: string;
  tries: number;
  /** PIN reload/unblock keys: external authentication first, then the SM key (KEYS.md §5). */
  reloadAuthKey?: KeyName;
  reloadSmKey?: KeyName;
}

export interface DfSpec {
  df: string;
  fid?: string;
  /** DF name (AID), hex. */
  name?: string;
  /** SELECT answers 6F { 84 name, A5 { this, hex } }; absent = no FCI. */
  fciProprietary?: string;
  leRule?: 'exact' | 'iso';
  keys?: KeySpec[];
  pin?: PinSpec;
  /** GET PROCESSING OPTIONS answer, hex. */
  gpoResponse?: string;
  children: (DfSpec | EfSpec)[];
}

/** Every persona has these; the profile kinds add their own data. */
export interface PersonaBase {
  id: string;
  label: string;
  /** The ATR's historical bytes, hex (kiosk-cards.md §1.1 layout for the SSC). */
  historicalBytes: string;
}

export interface CardProfileSpec<P extends PersonaBase> {
  name: string;
  description: string;
  /** Card keys are derived with this algorithm (KEYS.md §2) — none for a PSAM. */
  algorithm: CardAlgorithm | null;
  /** How card keys are diversified: the SSC scheme (KEYS.md §2) or the health card's (§3). */
  keyScheme: 'ssc' | 'health' | 'none';
  /** ATR = head ‖ persona historical bytes [‖ TCK when `tck`]. */
  atr: { head: string; tck: boolean };
  transport: Omit<CardTransportProfile, 'atr'>;
  tree: DfSpec;
  personas: readonly P[];
  defaultPersona: string;
}

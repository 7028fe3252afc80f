// The test key scheme of KEYS.md, in code: master keys from public labels, the diversification
// factors of the social security card (kiosk-cards.md §1.8) and of the health card (§3), and the
// key ids and HSM key addresses that name the keys (S7 appendix B). TEST KEYS ONLY: every key
// here is derived from a label anyone can read; no production key may ever be added.

import { createHash } from 'node:crypto';
import { fromHex } from '../../protocol/bytes.ts';
import { diversify, type CardAlgorithm } from '../cos/crypto.ts';

/** Keys of the social security card (S7 table B names) and of the health card (ours, §3). */
export type KeyName =
  | 'IRK'
  | 'RKSSSE'
  | 'PUK'
  | 'STKSSSE'
  | 'UKSSSE'
  | 'BK'
  | 'RK1DF01'
  | 'RK1DF02'
  | 'RK1DF03'
  | 'RK2DF03'
  | 'RK1DF04'
  | 'HC-RK-DDF1'
  | 'HC-RK-DF01'
  | 'HC-RK-DF02'
  | 'HC-RK-DF03'
  | 'HC-UK-DDF1'
  | 'HC-UK-DF01'
  | 'HC-UK-DF02'
  | 'HC-UK-DF03';

export const SSC_KEY_NAMES: readonly KeyName[] = [
  'IRK',
  'RKSSSE',
  'PUK',
  'STKSSSE',
  'UKSSSE',
  'BK',
  'RK1DF01',
  'RK1DF02',
  'RK1DF03',
  'RK2DF03',
  'RK1DF04',
];

export const HEALTH_KEY_NAMES: readonly KeyName[] = [
  'HC-RK-DDF1',
  'HC-RK-DF01',
  'HC-RK-DF02',
  'HC-RK-DF03',
  'HC-UK-DDF1',
  'HC-UK-DF01',
  'HC-UK-DF02',
  'HC-UK-DF03',
];

/** KEYS.md §1: MK(name, alg) = the first 16 bytes of SHA-256("kiosk-reader TEST key <name> <alg>"). */
export function masterKey(name: KeyName, alg: CardAlgorithm): Uint8Array {
  const digest = createHash('sha256')
    .update(`kiosk-reader TEST key ${name} ${alg}`, 'utf8')
    .digest();
  return new Uint8Array(digest.subarray(0, 16));
}

/** KEYS.md §1: K = diversify(…diversify(MK, F1)…, Fn), the factors in order. */
export function diversifyChain(
  alg: CardAlgorithm,
  key: Uint8Array,
  factors: readonly Uint8Array[],
): Uint8Array {
  let k = key;
  for (const f of factors) k = diversify(alg, k, f);
  return k;
}

/** Digits of BCD bytes as ASCII bytes: 33 01 → 33 33 30 31. */
function bcdToAscii(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (const b of bytes) out.push(0x30 + (b >> 4), 0x30 + (b & 0x0f));
  return out;
}

/**
 * kiosk-cards.md §1.8 (S7 §10.3): the region factor from the 卡识别码 (16 bytes). Region code
 * "33…": ASCII of the first 2 bytes ‖ 30 30 73 78; otherwise ASCII of the first 3 bytes ‖ 73 78.
 */
export function sscRegionFactor(cardId: Uint8Array): Uint8Array {
  if (cardId[0] === 0x33)
    return Uint8Array.from([...bcdToAscii(cardId.subarray(0, 2)), 0x30, 0x30, 0x73, 0x78]);
  return Uint8Array.from([...bcdToAscii(cardId.subarray(0, 3)), 0x73, 0x78]);
}

/** KEYS.md §2: the card factor = 卡识别码 bytes 8..15 (card serial ‖ authentication code). */
export function sscCardFactor(cardId: Uint8Array): Uint8Array {
  return cardId.slice(8, 16);
}

/** KEYS.md §2: a social security card's own key. `cardIdHex` = 卡识别码, 32 hex digits. */
export function sscCardKey(name: KeyName, alg: CardAlgorithm, cardIdHex: string): Uint8Array {
  const id = fromHex(cardIdHex);
  return diversifyChain(alg, masterKey(name, alg), [sscRegionFactor(id), sscCardFactor(id)]);
}

/** KEYS.md §3 (kiosk-cards.md §3): cardNo = ATR bytes 5..12 (hex characters 10..25). */
export function healthCardNoFactor(atr: Uint8Array): Uint8Array {
  return atr.slice(5, 13);
}

/** KEYS.md §3: city factor = the first 2 bytes of EF05 tag 39 (应用城市代码) ‖ 30×6. */
export function healthCityFactor(cityCode: Uint8Array): Uint8Array {
  return Uint8Array.from([cityCode[0], cityCode[1], 0x30, 0x30, 0x30, 0x30, 0x30, 0x30]);
}

/** KEYS.md §3: a health card's own key (always SM4). */
export function healthCardKey(name: KeyName, atrHex: string, cityCodeHex: string): Uint8Array {
  return diversifyChain('SM4', masterKey(name, 'SM4'), [
    healthCardNoFactor(fromHex(atrHex)),
    healthCityFactor(fromHex(cityCodeHex)),
  ]);
}

/** KEYS.md §4: PSAM DELIVERY SESSION KEY P2 (S7 table B 标识) for the SSC algorithms 01/03. */
export const PSAM_SSC_KEY_IDS: Readonly<Record<number, KeyName>> = {
  0x08: 'IRK',
  0x0a: 'RKSSSE',
  0x10: 'PUK',
  0x09: 'STKSSSE',
  0x12: 'UKSSSE',
  0x11: 'BK',
  0x2e: 'RK1DF01',
  0x35: 'RK1DF02',
  0x2b: 'RK1DF03',
  0x2c: 'RK2DF03',
  0x2d: 'RK1DF04',
};

/** KEYS.md §4: PSAM DELIVERY SESSION KEY P2 for the health card (P1 47 read, 27 update). */
export const PSAM_HEALTH_KEY_IDS: Readonly<Record<number, Readonly<Record<number, KeyName>>>> = {
  0x47: { 0x31: 'HC-RK-DDF1', 0x32: 'HC-RK-DF01', 0x33: 'HC-RK-DF02', 0x34: 'HC-RK-DF03' },
  0x27: { 0x2a: 'HC-UK-DDF1', 0x2b: 'HC-UK-DF01', 0x2c: 'HC-UK-DF02', 0x2d: 'HC-UK-DF03' },
};

/** KEYS.md §6: HSM key logical addresses (S7 appendix B); every group 01–03 names one key. */
export const HSM_KEY_ADDRESSES: Readonly<Record<string, KeyName>> = {
  '004C': 'RKSSSE',
  '004D': 'RKSSSE',
  '004E': 'RKSSSE',
  '004F': 'RK1DF01',
  '0050': 'RK1DF01',
  '0051': 'RK1DF01',
  '0064': 'RK1DF02',
  '0065': 'RK1DF02',
  '0066': 'RK1DF02',
  '0170': 'IRK',
  '0171': 'IRK',
  '0172': 'IRK',
  '0173': 'STKSSSE',
  '0182': 'RK1DF04',
  '0183': 'RK1DF04',
  '0184': 'RK1DF04',
  '0193': 'RK1DF03',
  '0194': 'RK1DF03',
  '0195': 'RK1DF03',
  '0196': 'RK2DF03',
  '0197': 'RK2DF03',
  '0198': 'RK2DF03',
  '0090': 'PUK',
  '0091': 'BK',
  '0094': 'UKSSSE',
  '0095': 'UKSSSE',
  '0096': 'UKSSSE',
};
